using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dca.Telemetry;

/// <summary>
/// A Prometheus histogram of durations in seconds, recorded in Stopwatch ticks with interlocked
/// increments on preallocated buckets (no allocation per observation).
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Bucket upper bounds in seconds (Prometheus <c>le</c>).</summary>
    public static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly long[] s_bucketTicks = [.. Buckets.Select(b => (long)(b * Stopwatch.Frequency))];

    private readonly long[] _buckets = new long[Buckets.Length + 1];
    private long _sumTicks;
    private long _count;

    public void Record(long elapsedTicks)
    {
        var bucket = 0;
        while (bucket < s_bucketTicks.Length && elapsedTicks > s_bucketTicks[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _sumTicks, elapsedTicks);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Writes the <c>_bucket</c>, <c>_sum</c> and <c>_count</c> samples; <paramref name="labels"/> like <c>route="x"</c> or empty.</summary>
    public void Write(StringBuilder sb, string name, string labels)
    {
        var prefix = labels.Length == 0 ? "" : labels + ",";
        long cumulative = 0;
        for (var i = 0; i < Buckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _buckets[i]);
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{Buckets[i]}\"}} {cumulative}\n");
        }
        cumulative += Interlocked.Read(ref _buckets[^1]);
        sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"+Inf\"}} {cumulative}\n");
        var braces = labels.Length == 0 ? "" : "{" + labels + "}";
        sb.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {(double)Interlocked.Read(ref _sumTicks) / Stopwatch.Frequency}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{name}_count{braces} {Interlocked.Read(ref _count)}\n");
    }
}
