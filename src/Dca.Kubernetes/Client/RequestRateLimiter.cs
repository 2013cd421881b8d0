namespace Dca.Kubernetes.Client;

/// <summary>
/// A token bucket (client-go's flowcontrol): <c>qps</c> tokens per second, up to <c>burst</c> saved.
/// Waiters are served in turn; time comes from a <see cref="TimeProvider"/>.
/// </summary>
public sealed class RequestRateLimiter(double qps, int burst, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>Waits until a token is available, then takes it.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * qps);
            _last = now;
            // Take the token now, even if it leaves the bucket negative: the debt fixes our place in line.
            _tokens -= 1;
            delay = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / qps);
        }
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
    }
}
