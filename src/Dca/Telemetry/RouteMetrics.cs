using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dca.Telemetry;

/// <summary>
/// Request counters by status code and a latency histogram for one route. Recording is a few
/// interlocked increments on preallocated arrays: nothing is allocated per request.
/// </summary>
internal sealed class RouteMetrics(string route)
{
    /// <summary>Histogram bucket upper bounds in seconds (Prometheus <c>le</c>).</summary>
    public static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly long[] s_bucketTicks = [.. Buckets.Select(b => (long)(b * Stopwatch.Frequency))];

    private readonly long[] _codes = new long[600];
    private readonly long[] _buckets = new long[Buckets.Length + 1];
    private long _sumTicks;
    private long _count;

    public string Route { get; } = route;

    public void Record(int statusCode, long elapsedTicks)
    {
        Interlocked.Increment(ref _codes[statusCode is >= 0 and < 600 ? statusCode : 0]);
        var bucket = 0;
        while (bucket < s_bucketTicks.Length && elapsedTicks > s_bucketTicks[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _sumTicks, elapsedTicks);
        Interlocked.Increment(ref _count);
    }

    public long Count(int statusCode) => Interlocked.Read(ref _codes[statusCode]);

    public void WriteRequests(StringBuilder sb)
    {
        for (var code = 0; code < _codes.Length; code++)
        {
            var n = Interlocked.Read(ref _codes[code]);
            if (n > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"dca_api_requests_total{{route=\"{Route}\",code=\"{code}\"}} {n}\n");
            }
        }
    }

    public void WriteLatency(StringBuilder sb)
    {
        long cumulative = 0;
        for (var i = 0; i < Buckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _buckets[i]);
            sb.Append(CultureInfo.InvariantCulture, $"dca_api_request_duration_seconds_bucket{{route=\"{Route}\",le=\"{Buckets[i]}\"}} {cumulative}\n");
        }
        cumulative += Interlocked.Read(ref _buckets[^1]);
        sb.Append(CultureInfo.InvariantCulture, $"dca_api_request_duration_seconds_bucket{{route=\"{Route}\",le=\"+Inf\"}} {cumulative}\n");
        sb.Append(CultureInfo.InvariantCulture, $"dca_api_request_duration_seconds_sum{{route=\"{Route}\"}} {(double)Interlocked.Read(ref _sumTicks) / Stopwatch.Frequency}\n");
        sb.Append(CultureInfo.InvariantCulture, $"dca_api_request_duration_seconds_count{{route=\"{Route}\"}} {Interlocked.Read(ref _count)}\n");
    }
}
