using System.Text.Json.Serialization;

namespace Dca.ClusterChecks;

/// <summary>Source-generated JSON for the cluster-check routes' own bodies.</summary>
[JsonSerializable(typeof(RebalanceMove[]))]
internal sealed partial class ClusterChecksJsonContext : JsonSerializerContext;
