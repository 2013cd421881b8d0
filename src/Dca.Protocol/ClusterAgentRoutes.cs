namespace Dca.Protocol;

/// <summary>
/// The cluster agent's HTTP routes as the Datadog node agent calls them (PROTOCOL.md §1.3). The node
/// agent builds these paths itself, so they are part of the wire contract and never change.
/// </summary>
public static class ClusterAgentRoutes
{
    public const string Version = "/version";
    public const string PodTagsAllNodes = "/api/v1/tags/pod";
    public const string PodTagsForNode = "/api/v1/tags/pod/{node}";
    public const string PodTagsForPod = "/api/v1/tags/pod/{node}/{ns}/{pod}";
    public const string NodeLabels = "/api/v1/tags/node/{node}";
    public const string NodeAnnotations = "/api/v1/annotations/node/{node}";
    public const string NamespaceLabels = "/api/v1/tags/namespace/{ns}";
    public const string NamespaceMetadata = "/api/v1/metadata/namespace/{ns}";
    public const string NodeUid = "/api/v1/uid/node/{node}";
    public const string ClusterId = "/api/v1/cluster/id";

    /// <summary>A node agent's cluster-check heartbeat (POST, leader).</summary>
    public const string ClusterChecksStatus = "/api/v1/clusterchecks/status/{identifier}";

    /// <summary>The cluster checks dispatched to a node (GET, leader).</summary>
    public const string ClusterChecksConfigs = "/api/v1/clusterchecks/configs/{identifier}";

    /// <summary>The dispatcher's state (GET, answered by every replica).</summary>
    public const string ClusterChecksState = "/api/v1/clusterchecks";

    /// <summary>Rebalance now (POST, leader).</summary>
    public const string ClusterChecksRebalance = "/api/v1/clusterchecks/rebalance";

    /// <summary>The endpoints checks for the pods on a node (GET, leader).</summary>
    public const string EndpointsChecksConfigs = "/api/v1/endpointschecks/configs/{node}";

    /// <summary>Every endpoints check (GET, leader).</summary>
    public const string EndpointsChecksAll = "/api/v1/endpointschecks/configs";

    /// <summary>The Datadog cluster agent's default command port (<c>cluster_agent.cmd_port</c>).</summary>
    public const int DefaultCommandPort = 5005;

    /// <summary>The Datadog cluster agent's default health port (<c>health_port</c>).</summary>
    public const int DefaultHealthPort = 5556;

    /// <summary>The Datadog cluster agent's default self-metrics port (<c>metrics_port</c>).</summary>
    public const int DefaultMetricsPort = 5000;

    /// <summary>
    /// The shortest cluster-agent token the Datadog agents accept (<c>validateAuthToken</c>, 32 characters).
    /// </summary>
    public const int MinimumTokenLength = 32;
}
