namespace Dca.Kubernetes.Informers;

/// <summary>How a reflector lists and watches.</summary>
public sealed record ReflectorOptions
{
    /// <summary>Restrict to one namespace; null for all.</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>List page size. Default 500.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// Server-side watch timeout; each watch asks for a random value between this and twice this
    /// (client-go: 5-10 min) so that many clients do not reconnect at once. Default 5 min.
    /// </summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The idle watchdog: a watch silent for this long is abandoned and reopened. With bookmarks the
    /// API server sends something about every minute. Default 150 s.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(150);

    /// <summary>First reconnect delay after a failure; doubles with jitter up to <see cref="MaxBackoff"/>. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Failing for longer than this without a successful list or watch event marks the reflector
    /// unhealthy (its data may be stale). Default 60 s.
    /// </summary>
    public TimeSpan UnhealthyAfter { get; init; } = TimeSpan.FromSeconds(60);
}
