using System.Globalization;
using System.Text;

namespace Dca.Telemetry;

/// <summary>
/// The cluster agent's self-metrics in Prometheus text format (served on <c>DD_METRICS_PORT</c>).
/// Route metrics are registered at start; other sources add gauge and counter writers.
/// </summary>
internal sealed class MetricsRegistry
{
    private readonly List<RouteMetrics> _routes = [];
    private readonly List<Action<MetricsWriter>> _collectors = [];
    private readonly Lock _gate = new();

    public RouteMetrics Route(string name)
    {
        lock (_gate)
        {
            var existing = _routes.FirstOrDefault(r => r.Route == name);
            if (existing is not null)
            {
                return existing;
            }
            var metrics = new RouteMetrics(name);
            _routes.Add(metrics);
            return metrics;
        }
    }

    /// <summary>Adds a collector called at every scrape.</summary>
    public void AddCollector(Action<MetricsWriter> collector)
    {
        lock (_gate)
        {
            _collectors.Add(collector);
        }
    }

    public string Render()
    {
        var sb = new StringBuilder(4096);
        RouteMetrics[] routes;
        Action<MetricsWriter>[] collectors;
        lock (_gate)
        {
            routes = [.. _routes];
            collectors = [.. _collectors];
        }
        sb.Append("# HELP dca_api_requests_total Node-agent API requests by route and status code.\n# TYPE dca_api_requests_total counter\n");
        foreach (var route in routes)
        {
            route.WriteRequests(sb);
        }
        sb.Append("# HELP dca_api_request_duration_seconds Node-agent API request latency.\n# TYPE dca_api_request_duration_seconds histogram\n");
        foreach (var route in routes)
        {
            route.WriteLatency(sb);
        }
        var writer = new MetricsWriter(sb);
        foreach (var collect in collectors)
        {
            collect(writer);
        }
        return sb.ToString();
    }
}

/// <summary>Writes metric families in Prometheus text format.</summary>
internal sealed class MetricsWriter(StringBuilder sb)
{
    private readonly HashSet<string> _described = new(StringComparer.Ordinal);

    public void Gauge(string name, string help, double value, string? labels = null) => Write(name, "gauge", help, value, labels);

    /// <summary>Describes a family and returns the builder, for writers of their own samples (histograms).</summary>
    public StringBuilder Raw(string name, string help, string type)
    {
        if (_described.Add(name))
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }
        return sb;
    }

    public void Counter(string name, string help, double value, string? labels = null) => Write(name, "counter", help, value, labels);

    private void Write(string name, string type, string help, double value, string? labels)
    {
        if (_described.Add(name))
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }
        sb.Append(name);
        if (labels is not null)
        {
            sb.Append('{').Append(labels).Append('}');
        }
        sb.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
