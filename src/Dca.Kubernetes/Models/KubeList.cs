using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>One page of a list: its items and the list's resourceVersion and continue token.</summary>
public sealed class KubeList<T>
{
    [JsonPropertyName("metadata")]
    public ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public List<T>? Items { get; set; }
}

public sealed class ListMeta
{
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    [JsonPropertyName("continue")]
    public string? Continue { get; set; }

    [JsonPropertyName("remainingItemCount")]
    public long? RemainingItemCount { get; set; }
}

/// <summary>The API server's <c>/version</c> body.</summary>
public sealed class ServerVersion
{
    [JsonPropertyName("major")]
    public string? Major { get; set; }

    [JsonPropertyName("minor")]
    public string? Minor { get; set; }

    [JsonPropertyName("gitVersion")]
    public string? GitVersion { get; set; }

    [JsonPropertyName("platform")]
    public string? Platform { get; set; }
}
