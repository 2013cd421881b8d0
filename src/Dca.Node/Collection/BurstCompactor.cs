using Dca.Hosting;

namespace Dca.Node.Collection;

/// <summary>
/// Compacts the heap after a burst of work (a shipped collection, a /metrics scrape) so the resident size
/// returns to what the agent keeps; at most once per <see cref="MinimumGap"/>, so a scrape storm does not
/// turn into a storm of full collections.
/// </summary>
internal sealed class BurstCompactor(TimeProvider time)
{
    public static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(1);

    private long _last = long.MinValue;

    public void AfterBurst()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < MinimumGap)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _last, now, last) == last)
        {
            WorkingSetTrimmer.CompactAfterBurst();
        }
    }
}
