using System.Text.Json.Serialization;

namespace Dca.Api;

/// <summary>The body of the internal <c>/status</c> route, printed by <c>dca status</c>.</summary>
internal sealed record StatusReport
{
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    [JsonPropertyName("apiServer")]
    public required string ApiServer { get; init; }

    [JsonPropertyName("apiServerHealthy")]
    public bool ApiServerHealthy { get; init; }

    [JsonPropertyName("apiServerError")]
    public string? ApiServerError { get; init; }

    [JsonPropertyName("clusterId")]
    public string? ClusterId { get; init; }

    [JsonPropertyName("endpointsSource")]
    public string? EndpointsSource { get; init; }

    [JsonPropertyName("leadership")]
    public string Leadership { get; init; } = "not enabled";

    [JsonPropertyName("informers")]
    public required List<InformerStatus> Informers { get; init; }

    [JsonPropertyName("snapshot")]
    public required SnapshotStatus Snapshot { get; init; }

    /// <summary>Null when cluster checks are off.</summary>
    [JsonPropertyName("clusterChecks")]
    public ClusterChecksStatus? ClusterChecks { get; init; }
}

internal sealed record ClusterChecksStatus(
    [property: JsonPropertyName("leading")] bool Leading,
    [property: JsonPropertyName("warmUp")] bool WarmUp,
    [property: JsonPropertyName("nodes")] int Nodes,
    [property: JsonPropertyName("configs")] int Configs,
    [property: JsonPropertyName("dangling")] int Dangling,
    [property: JsonPropertyName("endpointsConfigs")] int EndpointsConfigs,
    [property: JsonPropertyName("problems")] List<string> Problems);

internal sealed record InformerStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("synced")] bool Synced,
    [property: JsonPropertyName("healthy")] bool Healthy,
    [property: JsonPropertyName("objects")] int Objects,
    [property: JsonPropertyName("resourceVersion")] string ResourceVersion,
    [property: JsonPropertyName("relists")] long Relists,
    [property: JsonPropertyName("watchRestarts")] long WatchRestarts,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("lastError")] string? LastError);

internal sealed record SnapshotStatus(
    [property: JsonPropertyName("synced")] bool Synced,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("ageSeconds")] double AgeSeconds,
    [property: JsonPropertyName("lastBuildMilliseconds")] double LastBuildMilliseconds,
    [property: JsonPropertyName("nodes")] int Nodes,
    [property: JsonPropertyName("namespaces")] int Namespaces,
    [property: JsonPropertyName("podsWithServices")] int PodsWithServices);

[JsonSerializable(typeof(StatusReport))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
