namespace Dca.ExternalMetrics;

/// <summary>Where external-metric values come from (<c>DD_EXTERNAL_METRICS_PROVIDER_BACKEND</c>).</summary>
public interface IMetricsBackend
{
    /// <summary>True when only the leader holds the data (followers relay to it).</summary>
    bool LeaderOnly { get; }

    /// <summary>The metric names known, for discovery (may be empty: discovery then lists none).</summary>
    IReadOnlyList<string> MetricNames();

    /// <summary>The value of <paramref name="metric"/> for <paramref name="selector"/>, or why there is none.</summary>
    Task<MetricAnswer> QueryAsync(string metric, MetricSelector selector, CancellationToken cancellationToken);
}
