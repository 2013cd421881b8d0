using System.Text.Json;

namespace Dca.Sim.Store;

/// <summary>
/// One object as the store holds it: the full Kubernetes JSON as UTF-8 bytes (never a JSON tree, so
/// 150,000 pods cost what their JSON costs) plus the few fields lists, selectors and watches index.
/// Instances are immutable; an update makes a new one.
/// </summary>
public sealed class StoredObject
{
    private readonly string[] _fieldValues;

    internal StoredObject(
        ResourceType type,
        ReadOnlyMemory<byte> json,
        string ns,
        string name,
        string uid,
        long resourceVersion,
        string creationTimestamp,
        KeyValuePair<string, string>[] labels,
        string[] fieldValues,
        int metadataStart,
        int metadataLength)
    {
        Type = type;
        Json = json;
        Namespace = ns;
        Name = name;
        Uid = uid;
        ResourceVersion = resourceVersion;
        CreationTimestamp = creationTimestamp;
        Labels = labels;
        _fieldValues = fieldValues;
        MetadataStart = metadataStart;
        MetadataLength = metadataLength;
    }

    /// <summary>The resource this object belongs to.</summary>
    public ResourceType Type { get; }

    /// <summary>The object's JSON, exactly as the API serves it.</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The namespace; empty for cluster-scoped objects.</summary>
    public string Namespace { get; }

    /// <summary>metadata.name.</summary>
    public string Name { get; }

    /// <summary>metadata.uid.</summary>
    public string Uid { get; }

    /// <summary>metadata.resourceVersion as a number.</summary>
    public long ResourceVersion { get; }

    /// <summary>metadata.creationTimestamp as written (RFC 3339, seconds).</summary>
    public string CreationTimestamp { get; }

    /// <summary>metadata.labels.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    internal int MetadataStart { get; }

    internal int MetadataLength { get; }

    /// <summary>The raw <c>metadata</c> object.</summary>
    public ReadOnlyMemory<byte> Metadata => Json.Slice(MetadataStart, MetadataLength);

    /// <summary>"namespace/name" or "name", the key informers use.</summary>
    public string Key => Namespace.Length == 0 ? Name : Namespace + "/" + Name;

    /// <summary>A label's value, or null.</summary>
    public string? Label(string key)
    {
        foreach (var pair in Labels)
        {
            if (string.Equals(pair.Key, key, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }
        return null;
    }

    /// <summary>A selectable field's value by its selector label ("" when absent, as the API server treats it).</summary>
    public string? Field(string label)
    {
        switch (label)
        {
            case "metadata.name":
                return Name;
            case "metadata.namespace":
                return Namespace;
        }
        var i = Type.FieldIndex(label);
        return i < 0 ? null : _fieldValues[i];
    }

    internal string FieldAt(int index) => _fieldValues[index];

    /// <summary>Parses the object (the caller disposes the document).</summary>
    public JsonDocument ToJsonDocument() => JsonDocument.Parse(Json);

    /// <inheritdoc />
    public override string ToString() => $"{Type.GroupResource} {Key}@{ResourceVersion}";
}
