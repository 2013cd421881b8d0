using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A core/v1 Event.</summary>
public sealed class Event : IKubernetesObject
{
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("involvedObject")]
    public ObjectReference? InvolvedObject { get; set; }

    [JsonPropertyName("reason")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("source")]
    public EventSource? Source { get; set; }

    [JsonPropertyName("firstTimestamp")]
    public DateTimeOffset? FirstTimestamp { get; set; }

    [JsonPropertyName("lastTimestamp")]
    public DateTimeOffset? LastTimestamp { get; set; }

    [JsonPropertyName("eventTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    [JsonPropertyName("count")]
    public int? Count { get; set; }

    [JsonPropertyName("type")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Type { get; set; }

    [JsonPropertyName("action")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Action { get; set; }

    [JsonPropertyName("reportingComponent")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? ReportingComponent { get; set; }

    [JsonPropertyName("reportingInstance")]
    public string? ReportingInstance { get; set; }
}

public sealed class EventSource
{
    [JsonPropertyName("component")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Component { get; set; }

    [JsonPropertyName("host")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Host { get; set; }
}
