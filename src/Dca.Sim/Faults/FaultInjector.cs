using Dca.Sim.Store;

namespace Dca.Sim.Faults;

/// <summary>Holds the current fault settings (swapped whole) and decides, per request, whether to fail it.</summary>
internal sealed class FaultInjector(FaultSettings initial)
{
    private FaultSettings _settings = initial;
    private long _errors;
    private long _throttles;

    public FaultSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set => Volatile.Write(ref _settings, value);
    }

    public long InjectedErrors => Interlocked.Read(ref _errors);

    public long InjectedThrottles => Interlocked.Read(ref _throttles);

    private long _downUntil;

    /// <summary>
    /// Simulates a restarting API server for <paramref name="duration"/>: every resource request is answered 503
    /// until then, as the load balancer in front of a kube-apiserver that is not ready yet answers.
    /// </summary>
    public void Down(TimeSpan duration) => Volatile.Write(ref _downUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);

    /// <summary>The failure to answer with, or null to serve the request.</summary>
    public StatusException? Roll()
    {
        if (Environment.TickCount64 < Volatile.Read(ref _downUntil))
        {
            Interlocked.Increment(ref _errors);
            return new StatusException(503, "ServiceUnavailable", "apiserver is restarting (injected fault)");
        }
        var s = Settings;
        if (s.ErrorRate > 0 && Random.Shared.NextDouble() < s.ErrorRate)
        {
            // Alternate the two codes a struggling API server (or its load balancer) returns.
            return Interlocked.Increment(ref _errors) % 2 == 0
                ? new StatusException(503, "ServiceUnavailable", "the server is currently unable to handle the request (injected fault)")
                : new StatusException(500, "InternalError", "Internal error occurred: injected fault");
        }
        if (s.ThrottleRate > 0 && Random.Shared.NextDouble() < s.ThrottleRate)
        {
            Interlocked.Increment(ref _throttles);
            return new StatusException(429, "TooManyRequests", "Too many requests, please try again later.")
            {
                RetryAfterSeconds = s.RetryAfterSeconds,
            };
        }
        return null;
    }
}
