namespace Dca.Sim.Store;

/// <summary>
/// One kind of object the simulator serves (group, version, plural), with what discovery and the
/// field selectors need to know about it. Custom resources are just more instances of this type.
/// </summary>
public sealed class ResourceType
{
    /// <summary>Creates a resource type.</summary>
    public ResourceType(
        string group,
        string version,
        string plural,
        string kind,
        bool namespaced,
        IReadOnlyList<string>? shortNames = null,
        IReadOnlyList<SelectableField>? fields = null,
        IReadOnlyList<string>? categories = null,
        bool statusSubresource = false,
        IReadOnlyList<PrinterColumn>? printerColumns = null,
        string? definedBy = null)
    {
        Group = group;
        Version = version;
        Plural = plural;
        Kind = kind;
        Namespaced = namespaced;
        ShortNames = shortNames ?? [];
        Fields = fields ?? [];
        Categories = categories ?? [];
        StatusSubresource = statusSubresource;
        PrinterColumns = printerColumns ?? [];
        DefinedBy = definedBy;
    }

    /// <summary>The API group; empty for the core group.</summary>
    public string Group { get; }

    /// <summary>The version, e.g. <c>v1</c>.</summary>
    public string Version { get; }

    /// <summary>The plural resource name used in URLs, e.g. <c>pods</c>.</summary>
    public string Plural { get; }

    /// <summary>The kind, e.g. <c>Pod</c>.</summary>
    public string Kind { get; }

    /// <summary>True for namespaced resources.</summary>
    public bool Namespaced { get; }

    /// <summary>kubectl short names, e.g. <c>po</c>.</summary>
    public IReadOnlyList<string> ShortNames { get; }

    /// <summary>Fields usable in a field selector besides <c>metadata.name</c> and <c>metadata.namespace</c>.</summary>
    public IReadOnlyList<SelectableField> Fields { get; }

    /// <summary>Discovery categories, e.g. <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>
    /// True when the resource has a status subresource with the real server's split (custom resources
    /// whose CRD version declares <c>subresources.status</c>, and CRDs themselves): writes to the main
    /// resource keep the stored <c>.status</c>, writes to <c>/status</c> change only <c>.status</c>, and
    /// <c>metadata.generation</c> ignores status. Built-ins served before this flag existed keep their
    /// plain behaviour (their <c>/status</c> is the main resource) and leave it false.
    /// </summary>
    public bool StatusSubresource { get; }

    /// <summary>A CRD version's <c>additionalPrinterColumns</c> (empty: NAME and AGE, as the real server prints).</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; }

    /// <summary>The name of the CustomResourceDefinition that serves this resource; null for built-ins.</summary>
    public string? DefinedBy { get; }

    /// <summary>True for a resource served because a CustomResourceDefinition defines it.</summary>
    public bool IsCustomResource => DefinedBy is not null;

    /// <summary>
    /// True when <c>metadata.generation</c> is kept: 1 on create, +1 on each change outside
    /// <c>metadata</c> (and <c>status</c>, with a status subresource), as the real server does.
    /// </summary>
    public bool TracksGeneration => IsCustomResource || StatusSubresource;

    /// <summary>The singular name (the lower-cased kind, as the real API server reports it).</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>The list kind, e.g. <c>PodList</c>.</summary>
    public string ListKind => Kind + "List";

    /// <summary>The apiVersion written in objects: <c>v1</c> or <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The group/resource in the form RBAC and audit records use (<c>pods</c>, <c>leases.coordination.k8s.io</c>).</summary>
    public string GroupResource => Group.Length == 0 ? Plural : Plural + "." + Group;

    /// <summary>The verbs the simulator serves for every resource.</summary>
    public static IReadOnlyList<string> Verbs { get; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The index of a selectable field by its label, or -1.</summary>
    public int FieldIndex(string label)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Label, label, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>True when both serve the same group/version/plural (a CRD's type before and after an update).</summary>
    internal bool SameResource(ResourceType other) =>
        Group == other.Group && Version == other.Version && Plural == other.Plural;

    /// <summary>True when <paramref name="other"/> is the same resource defined the same way (an update changed nothing it serves).</summary>
    internal bool SameDefinition(ResourceType other) =>
        SameResource(other) && Kind == other.Kind && Namespaced == other.Namespaced
        && StatusSubresource == other.StatusSubresource && DefinedBy == other.DefinedBy
        && ShortNames.SequenceEqual(other.ShortNames) && Categories.SequenceEqual(other.Categories)
        && PrinterColumns.SequenceEqual(other.PrinterColumns)
        && Fields.Select(f => f.Label).SequenceEqual(other.Fields.Select(f => f.Label));

    /// <inheritdoc />
    public override string ToString() => GroupResource;
}
