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
        IReadOnlyList<string>? categories = null)
    {
        Group = group;
        Version = version;
        Plural = plural;
        Kind = kind;
        Namespaced = namespaced;
        ShortNames = shortNames ?? [];
        Fields = fields ?? [];
        Categories = categories ?? [];
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

    /// <inheritdoc />
    public override string ToString() => GroupResource;
}
