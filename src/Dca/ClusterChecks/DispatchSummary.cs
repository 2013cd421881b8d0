namespace Dca.ClusterChecks;

/// <summary>The dispatcher in numbers, for <c>dca status</c> and <c>/metrics</c>.</summary>
public sealed record DispatchSummary(bool Leading, bool WarmUp, int Nodes, int Configs, int Dangling, int EndpointsConfigs);
