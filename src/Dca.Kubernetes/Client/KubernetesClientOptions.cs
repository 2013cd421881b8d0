namespace Dca.Kubernetes.Client;

/// <summary>How the client paces and retries its requests.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>Sustained requests per second to the API server (watches count once, when opened). Default 50.</summary>
    public double Qps { get; init; } = 50;

    /// <summary>Requests allowed in a burst above <see cref="Qps"/>. Default 100.</summary>
    public int Burst { get; init; } = 100;

    /// <summary>Attempts for a request answered 429 or 5xx (or failing to connect), the first included. Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First retry delay; doubles per attempt with full jitter. Default 250 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest retry delay, and the cap on a server's Retry-After. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Time limit for one non-watch request (a list page included): for its response headers, and again for
    /// its body, so a server that stalls mid-body cannot hang the caller. Default 60 s.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Default of <see cref="MaxObjectBytes"/>: 16 MiB, the limit of client-go's streaming decoder (apimachinery
    /// <c>streaming.NewDecoder</c>). etcd refuses objects over ~1.5 MiB; their JSON is at most a few times that.
    /// </summary>
    public const int DefaultMaxObjectBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Default of <see cref="MaxListPageBytes"/>: 256 MiB, room for a page of 500 objects averaging 0.5 MiB
    /// (realistic pages are a few MiB to ~100 MiB: 500 EndpointSlices of 1,000 endpoints each).
    /// </summary>
    public const long DefaultMaxListPageBytes = 256L * 1024 * 1024;

    /// <summary>
    /// The longest watch line (one event, one object) and the largest body of a single-object request. A longer
    /// one is rejected with a <see cref="System.Text.Json.JsonException"/> instead of being buffered. Default
    /// <see cref="DefaultMaxObjectBytes"/>.
    /// </summary>
    public int MaxObjectBytes { get; init; } = DefaultMaxObjectBytes;

    /// <summary>The largest list page body; a larger one is rejected like an oversized object. Default <see cref="DefaultMaxListPageBytes"/>.</summary>
    public long MaxListPageBytes { get; init; } = DefaultMaxListPageBytes;

    /// <summary>The User-Agent, e.g. <c>dca/0.1.0</c>; the simulator's audit tells clients apart by it.</summary>
    public string UserAgent { get; init; } = "dca-kubernetes/0.1";

    /// <summary>
    /// Wraps the HTTP transport, e.g. with a <see cref="DelegatingHandler"/> that records or cuts traffic
    /// (tests partition one replica from the API server this way). Null: the transport as is.
    /// </summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler { get; init; }
}
