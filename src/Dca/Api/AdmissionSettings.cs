namespace Dca.Api;

/// <summary>
/// How much the HTTPS ports take before they shed load (docs/configuration.md, "Overload"). Each
/// limit answers with a cheap refusal instead of queueing: memory stays bounded by
/// <see cref="MaxConnections"/> × what one connection costs (~75 KB with TLS, docs/benchmarks.md).
/// </summary>
internal sealed record AdmissionSettings
{
    /// <summary>
    /// <c>DCA_MAX_CONNECTIONS</c> (10,000): open connections per HTTPS port. Past 90 % of it each request is
    /// answered 503 with <c>Retry-After</c>; a connection beyond it is closed at once,
    /// before its TLS handshake costs anything. 10,000 open TLS connections hold ~850 MB: raise it together with
    /// the memory limit.
    /// </summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// <c>DCA_MAX_CONCURRENT_HANDSHAKES</c> (32; 0: no limit): TLS handshakes in progress per HTTPS port (<see cref="HandshakeGate"/>).
    /// Others wait for a slot, up to 1 s, then start regardless. A handshake costs ~1 ms of CPU; what the limit saves is
    /// the ~50 KB each one holds while it runs, all at once when a fleet reconnects.
    /// </summary>
    public int MaxConcurrentHandshakes { get; init; } = 32;

    /// <summary>
    /// <c>DCA_MAX_INFLIGHT_REQUESTS</c> (512): requests being handled at once per HTTPS port. Beyond it a
    /// request is answered 503 with <c>Retry-After</c>. The hot routes copy pre-serialized bytes and leave
    /// at once; what piles up is slow work (relays to the leader, external metrics, /status).
    /// </summary>
    public int MaxInFlight { get; init; } = 512;

    /// <summary>
    /// <c>DCA_MAX_REQUESTS_PER_CONNECTION</c> (0: no limit): requests per second one connection may make (bursts
    /// of twice that); beyond it 429 with <c>Retry-After</c>. Off by default because one connection often
    /// carries many clients: the kube-apiserver's aggregator multiplexes every HPA query over a few HTTP/2
    /// connections, and a follower relays every node agent's leader-only request over its own. A node agent
    /// alone asks a few times a minute, so where clients connect directly a limit such as 10 stops a runaway one.
    /// </summary>
    public double RequestsPerConnectionPerSecond { get; init; }

    /// <summary>
    /// <c>DCA_OVERLOAD_RETRY_AFTER_SECONDS</c> (5): the <c>Retry-After</c> of a 503. Each answer adds a random
    /// 0-100 % so that refused clients do not come back together.
    /// </summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>DD_CLUSTER_AGENT_SERVER_IDLE_TIMEOUT_SECONDS</c> (60, Datadog's default): an idle keep-alive connection
    /// is closed after this long. Node agents ask once a minute; a connection kept between polls costs ~75 KB.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
