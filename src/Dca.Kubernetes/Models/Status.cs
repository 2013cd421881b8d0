using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>The API server's error body (<c>kind: Status</c>), also the object of a watch ERROR event.</summary>
public sealed class Status
{
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("status")]
    public string? Outcome { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("details")]
    public StatusDetails? Details { get; set; }
}

public sealed class StatusDetails
{
    [JsonPropertyName("retryAfterSeconds")]
    public int? RetryAfterSeconds { get; set; }
}
