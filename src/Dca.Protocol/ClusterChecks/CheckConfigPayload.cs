using System.Text.Json.Serialization;

namespace Dca.Protocol.ClusterChecks;

/// <summary>
/// One check configuration as it travels from the cluster agent to node agents: Datadog's Go
/// <c>integration.Config</c> (PROTOCOL.md §7). <c>instances</c> and <c>init_config</c> are YAML documents,
/// base64-encoded on the wire because Go encodes <c>[]byte</c> so (System.Text.Json does the same for byte arrays).
/// </summary>
public sealed record CheckConfigPayload
{
    [JsonPropertyName("check_name")]
    public string CheckName { get; init; } = "";

    [JsonPropertyName("instances")]
    public byte[][]? Instances { get; init; }

    [JsonPropertyName("init_config")]
    public byte[]? InitConfig { get; init; }

    [JsonPropertyName("ad_identifiers")]
    public string[]? AdIdentifiers { get; init; }

    [JsonPropertyName("provider")]
    public string Provider { get; init; } = "";

    [JsonPropertyName("service_id")]
    public string ServiceId { get; init; } = "";

    [JsonPropertyName("cluster_check")]
    public bool ClusterCheck { get; init; }

    [JsonPropertyName("node_name")]
    public string NodeName { get; init; } = "";

    [JsonPropertyName("source")]
    public string Source { get; init; } = "";

    /// <summary>The identity both sides compute from these fields (<see cref="CheckDigest"/>).</summary>
    /// <remarks>
    /// A string field missing from the JSON (Go omits empty fields tagged omitempty) or sent as null is null here:
    /// the source-generated reader sets init-only properties it did not find to null, not to their initializers.
    /// </remarks>
    public string Digest() => CheckDigest.Of(CheckName ?? "", InitConfig ?? [], Instances ?? [], ServiceId ?? "", NodeName ?? "", Source ?? "");
}
