using System.Globalization;
using System.Text;

namespace Dca.Telemetry;

/// <summary>
/// Request counters by status code and a latency histogram for one route. Recording is a few
/// interlocked increments on preallocated arrays: nothing is allocated per request.
/// </summary>
internal sealed class RouteMetrics(string route)
{
    private readonly long[] _codes = new long[600];
    private readonly LatencyHistogram _latency = new();

    public string Route { get; } = route;

    public void Record(int statusCode, long elapsedTicks)
    {
        Interlocked.Increment(ref _codes[statusCode is >= 0 and < 600 ? statusCode : 0]);
        _latency.Record(elapsedTicks);
    }

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

    public void WriteLatency(StringBuilder sb) => _latency.Write(sb, "dca_api_request_duration_seconds", $"route=\"{Route}\"");
}
