using System.Text.Json.Serialization;

namespace Dca.Protocol.ClusterChecks;

/// <summary><c>GET /api/v1/clusterchecks/configs/{node}</c> and <c>/api/v1/endpointschecks/configs/{node}</c>: the node's configurations and their <c>last_change</c>.</summary>
public sealed record ConfigsResponse
{
    [JsonPropertyName("last_change")]
    public long LastChange { get; init; }

    [JsonPropertyName("configs")]
    public CheckConfigPayload[]? Configs { get; init; }
}
