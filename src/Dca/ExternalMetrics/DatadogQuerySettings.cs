namespace Dca.ExternalMetrics;

/// <summary>The Datadog query API the Datadog backend and DatadogMetrics read (<c>DD_EXTERNAL_METRICS_PROVIDER_*</c>).</summary>
public sealed record DatadogQuerySettings
{
    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_ENDPOINT</c>, else <c>https://api.&lt;DD_SITE&gt;</c>.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_API_KEY</c>, else <c>DD_API_KEY</c>. Sent as <c>DD-API-KEY</c>; never logged.</summary>
    public required string ApiKey { get; init; }

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_APP_KEY</c>, else <c>DD_APP_KEY</c>. Sent as <c>DD-APPLICATION-KEY</c>; never logged.</summary>
    public required string AppKey { get; init; }

    /// <summary><c>DD_EXTERNAL_METRICS_AGGREGATOR</c> (avg): the space aggregation of a metric-name query.</summary>
    public string Aggregator { get; init; } = "avg";

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_ROLLUP</c> (30 s): the rollup of a metric-name query.</summary>
    public int RollupSeconds { get; init; } = 30;

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_BUCKET_SIZE</c> (300 s): the window queried when a DatadogMetric names none.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_REFRESH_PERIOD</c> (30 s): how often the leader queries again.</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>DD_EXTERNAL_METRICS_PROVIDER_CHUNK_SIZE</c> (35): queries per request.</summary>
    public int ChunkSize { get; init; } = 35;

    /// <summary>At most this many requests at once (Datadog's <c>max_parallel_queries</c>).</summary>
    public int MaxParallelQueries { get; init; } = 10;

    /// <summary>A batch's URL stays below this many characters (Datadog's limit is about 8 KB).</summary>
    public int MaxQueryCharacters { get; init; } = 7000;

    /// <summary>How long a metric-name query nobody asks for keeps being refreshed.</summary>
    public TimeSpan Forget { get; init; } = TimeSpan.FromMinutes(10);
}
