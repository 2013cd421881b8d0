using System.Text.Json.Serialization;

namespace Dca.ClusterChecks;

/// <summary>One move of a rebalancing, as Datadog's <c>POST /api/v1/clusterchecks/rebalance</c> lists it (costs in ms, or check counts when unmeasured).</summary>
public sealed record RebalanceMove(
    [property: JsonPropertyName("check_id")] string CheckId,
    [property: JsonPropertyName("check_weight")] double CheckWeight,
    [property: JsonPropertyName("source_node_name")] string SourceNodeName,
    [property: JsonPropertyName("source_diff")] double SourceDiff,
    [property: JsonPropertyName("dest_node_name")] string DestNodeName,
    [property: JsonPropertyName("dest_diff")] double DestDiff);
