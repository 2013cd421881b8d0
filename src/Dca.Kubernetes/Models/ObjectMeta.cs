using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// The fields of <c>metadata</c> the agents use. Everything else the API server sends (managedFields,
/// finalizers, ...) is skipped while parsing, so memory grows with what we keep.
/// </summary>
public sealed class ObjectMeta
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    [JsonPropertyName("generateName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GenerateName { get; set; }

    [JsonPropertyName("creationTimestamp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CreationTimestamp { get; set; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(InternedStringMapConverter))]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(InternedStringMapConverter))]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("ownerReferences")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>The store key: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
    [JsonIgnore]
    public string Key => string.IsNullOrEmpty(Namespace) ? Name : Namespace + "/" + Name;
}

public sealed class OwnerReference
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("controller")]
    public bool? Controller { get; set; }
}

/// <summary>Every Kubernetes object the client handles has metadata; a reflector can store it as it is.</summary>
public interface IKubernetesObject : Informers.IStoredObject
{
    ObjectMeta Metadata { get; set; }

    string Informers.IStoredObject.Key => Metadata.Key;

    ulong Informers.IStoredObject.Version => Informers.StoredVersion.Of(Metadata.ResourceVersion);
}

/// <summary>
/// A cluster or namespaced object known only by its metadata: the metadata-only representation
/// (<c>PartialObjectMetadata</c>) used for nodes and namespaces when only labels matter.
/// </summary>
public sealed class PartialObjectMetadata : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();
}
