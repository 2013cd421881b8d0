using System.Text.Json.Serialization;

namespace Dca.Protocol.ClusterChecks;

/// <summary>
/// A node agent's heartbeat body, <c>POST /api/v1/clusterchecks/status/{node}</c>: the <c>last_change</c> of the
/// configurations it runs (0 before its first fetch; -1 for Datadog's extra heartbeat) and its type
/// (1 cluster-check runner, 2 node agent).
/// </summary>
public sealed record NodeStatus
{
    public const int NodeAgentType = 2;

    [JsonPropertyName("last_change")]
    public long LastChange { get; init; }

    [JsonPropertyName("node_type")]
    public int NodeType { get; init; } = NodeAgentType;

    /// <summary>
    /// Our node agent's extension (Datadog's agents never send it; their decoder ignores unknown fields):
    /// the average run time in milliseconds of each configuration it runs, by <see cref="CheckDigest"/>.
    /// The leader rebalances on these costs.
    /// </summary>
    [JsonPropertyName("check_costs_ms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? CheckCostsMs { get; init; }
}
