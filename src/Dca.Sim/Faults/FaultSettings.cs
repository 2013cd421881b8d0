namespace Dca.Sim.Faults;

/// <summary>
/// The fault switches, all off by default. They apply to resource requests (not to discovery or
/// the <c>/sim/</c> admin endpoints), so a client sees them exactly where an overloaded or flaky
/// API server would hurt it; the <c>Kubelet*</c> switches apply to the kubelets' data endpoints.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>No faults.</summary>
    public static FaultSettings None { get; } = new();

    /// <summary>Fraction of requests (0..1) answered 500 InternalError or 503 ServiceUnavailable.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Fraction of requests (0..1) answered 429 TooManyRequests with Retry-After.</summary>
    public double ThrottleRate { get; init; }

    /// <summary>The Retry-After seconds of 429 answers (default 1).</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>When positive, every watch connection is dropped (aborted, no clean end) after this many seconds.</summary>
    public int WatchDropSeconds { get; init; }

    /// <summary>When true, watches keep their connection open but send no more bytes.</summary>
    public bool WatchStall { get; init; }

    /// <summary>Milliseconds added before every resource request is answered.</summary>
    public int LatencyMilliseconds { get; init; }

    /// <summary>
    /// When set, a network partition for the clients whose User-Agent contains this text: their resource
    /// requests get no answer (they hang until the client gives up), everyone else's are served.
    /// </summary>
    public string? PartitionUserAgent { get; init; }

    /// <summary>When non-zero, every kubelet answers <c>/pods</c> and <c>/stats/summary</c> with this HTTP status (e.g. 403).</summary>
    public int KubeletStatus { get; init; }

    /// <summary>When true, kubelet requests get no answer (they hang until the client gives up).</summary>
    public bool KubeletStall { get; init; }

    /// <summary>When true, kubelets answer 200 with a truncated JSON body.</summary>
    public bool KubeletMalformed { get; init; }
}
