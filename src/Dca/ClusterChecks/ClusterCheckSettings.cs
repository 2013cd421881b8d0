namespace Dca.ClusterChecks;

/// <summary>How the cluster agent collects and dispatches cluster checks (Datadog's <c>cluster_checks.*</c> options).</summary>
public sealed record ClusterCheckSettings
{
    /// <summary><c>DD_CLUSTER_CHECKS_ENABLED</c>: off, the routes answer 404 <c>Cluster-checks are not enabled</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>DD_CONFD_PATH</c>: the checks directory (files whose instances say <c>cluster_check: true</c>).</summary>
    public string ConfdPath { get; init; } = "/etc/datadog-agent/conf.d";

    /// <summary>Tags added to every dispatched instance: the cluster-name tags and <c>DD_CLUSTER_CHECKS_EXTRA_TAGS</c>.</summary>
    public IReadOnlyList<string> ExtraTags { get; init; } = [];

    /// <summary><c>DD_CLUSTER_CHECKS_WARMUP_DURATION</c>: after becoming leader, nothing is placed for this long.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>DD_CLUSTER_CHECKS_NODE_EXPIRATION_TIMEOUT</c>: a node silent this long is dropped and its checks re-dispatched.</summary>
    public TimeSpan NodeExpiry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>DD_CLUSTER_CHECKS_REBALANCE_PERIOD</c>: how often checks are rebalanced by their measured cost.</summary>
    public TimeSpan RebalancePeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><c>DD_CLUSTER_CHECKS_REBALANCE_MIN_PERCENTAGE_IMPROVEMENT</c>: a move must lower the busier node's cost by this much.</summary>
    public double RebalanceMinImprovement { get; init; } = 0.10;

    /// <summary>How often the leader re-reads the checks directory (a mounted ConfigMap changes in place).</summary>
    public TimeSpan ConfdRefresh { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The tags every dispatched check gets, as Datadog's dispatcher adds them: <c>&lt;tag name&gt;:&lt;cluster&gt;</c>
    /// and <c>kube_cluster_name:&lt;cluster&gt;</c> when the cluster has a name, then the extra tags.
    /// </summary>
    public static IReadOnlyList<string> TagsFor(string? clusterName, string clusterTagName, IEnumerable<string> extraTags)
    {
        var tags = new List<string>();
        if (clusterName is { Length: > 0 })
        {
            tags.Add($"{clusterTagName}:{clusterName}");
            if (clusterTagName != "kube_cluster_name")
            {
                tags.Add("kube_cluster_name:" + clusterName);
            }
        }
        tags.AddRange(extraTags.Where(t => t.Length > 0 && !tags.Contains(t)));
        return tags;
    }
}
