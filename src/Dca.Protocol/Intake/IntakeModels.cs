using System.Text.Json.Serialization;

namespace Dca.Protocol.Intake;

/// <summary>
/// A Datadog event as the public events API takes it (<c>POST /api/v1/events</c>): one per request.
/// </summary>
public sealed record IntakeEvent
{
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("text")]
    public required string Text { get; init; }

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("date_happened")]
    public long DateHappened { get; init; }

    [JsonPropertyName("priority")]
    public string Priority { get; init; } = "normal";

    [JsonPropertyName("host")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Host { get; init; }

    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>info, warning, error or success.</summary>
    [JsonPropertyName("alert_type")]
    public string AlertType { get; init; } = "info";

    [JsonPropertyName("aggregation_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AggregationKey { get; init; }

    [JsonPropertyName("source_type_name")]
    public string SourceTypeName { get; init; } = "kubernetes";
}

/// <summary>A service check as <c>POST /api/v1/check_run</c> takes it (an array of them).</summary>
public sealed record ServiceCheck
{
    public const int Ok = 0;
    public const int Warning = 1;
    public const int Critical = 2;
    public const int Unknown = 3;

    [JsonPropertyName("check")]
    public required string Check { get; init; }

    [JsonPropertyName("host_name")]
    public string HostName { get; init; } = "";

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("timestamp")]
    public long Timestamp { get; init; }

    /// <summary>0 OK, 1 warning, 2 critical, 3 unknown.</summary>
    [JsonPropertyName("status")]
    public int Status { get; init; }

    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>One line of the local sink: what would have been sent, and to which intake route.</summary>
public sealed record LocalSinkLine(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("event")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IntakeEvent? Event,
    [property: JsonPropertyName("service_check")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ServiceCheck? ServiceCheck);

[JsonSerializable(typeof(IntakeEvent))]
[JsonSerializable(typeof(ServiceCheck))]
[JsonSerializable(typeof(List<ServiceCheck>))]
[JsonSerializable(typeof(LocalSinkLine))]
internal sealed partial class IntakeJsonContext : JsonSerializerContext;
