using System.Globalization;
using System.Text;
using System.Text.Json;
using Dca.Hosting;

namespace Dca.ExternalMetrics;

/// <summary>
/// External metrics from a Prometheus server (<c>DCA_EXTERNAL_METRICS_PROMETHEUS_URL</c>): the metric name and the
/// label selector become one instant query, <c>avg(&lt;metric&gt;{&lt;matchers&gt;})</c>, on <c>/api/v1/query</c>
/// (<c>=</c>, <c>!=</c>, <c>in</c> as <c>=~</c>, <c>notin</c> as <c>!~</c>, exists as <c>!=""</c>, <c>!k</c> as <c>=""</c>).
/// Dots in the metric name become underscores (Prometheus names have none). An empty result is an unknown
/// metric (404); an unreachable server or an error answer is a failing backend (500) with Prometheus' reason.
/// Prometheus handles staleness itself (a series not scraped for 5 minutes drops out of instant queries).
/// </summary>
public sealed class PrometheusBackend(Uri server, HttpMessageHandler? handler = null) : IMetricsBackend, IDisposable
{
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        BaseAddress = server,
        Timeout = TimeSpan.FromSeconds(10),
    };

    // Errors name the server (they reach the external metrics API's answers), never its URL's credentials.
    private readonly string _shownServer = UrlCredentials.Hide(server);

    public bool LeaderOnly => false;

    public IReadOnlyList<string> MetricNames() => [];

    /// <summary>The PromQL for a metric and a selector.</summary>
    public static string Query(string metric, MetricSelector selector)
    {
        var matchers = new List<string>();
        foreach (var (key, op, values) in selector.Requirements)
        {
            var label = Name(key);
            matchers.Add(op switch
            {
                "=" => $"{label}=\"{Escape(values[0])}\"",
                "!=" => $"{label}!=\"{Escape(values[0])}\"",
                "in" => $"{label}=~\"{string.Join('|', values.Select(v => Escape(System.Text.RegularExpressions.Regex.Escape(v))))}\"",
                "notin" => $"{label}!~\"{string.Join('|', values.Select(v => Escape(System.Text.RegularExpressions.Regex.Escape(v))))}\"",
                "exists" => $"{label}!=\"\"",
                _ => $"{label}=\"\"",
            });
        }
        return $"avg({Name(metric)}{{{string.Join(',', matchers)}}})";
    }

    public async Task<MetricAnswer> QueryAsync(string metric, MetricSelector selector, CancellationToken cancellationToken)
    {
        var query = Query(metric, selector);
        string body;
        try
        {
            using var response = await _http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative), cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode && !body.TrimStart().StartsWith('{'))
            {
                return MetricAnswer.Stale($"Prometheus at {_shownServer} answered {(int)response.StatusCode} to {query}");
            }
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return MetricAnswer.Stale($"Prometheus at {_shownServer} is not reachable: {e.InnerException?.Message ?? e.Message}");
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.GetProperty("status").GetString() != "success")
            {
                return MetricAnswer.Stale($"Prometheus rejected {query}: {(root.TryGetProperty("error", out var e) ? e.GetString() : "no reason given")}");
            }
            var result = root.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 0)
            {
                return MetricAnswer.Unknown($"Prometheus has no series for {query}");
            }
            var sample = result[0].GetProperty("value");
            var value = double.Parse(sample[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!double.IsFinite(value))
            {
                return MetricAnswer.Stale($"Prometheus answered {sample[1].GetString()} for {query}");
            }
            var at = DateTimeOffset.FromUnixTimeMilliseconds((long)(sample[0].GetDouble() * 1000));
            return MetricAnswer.Value(value, at, 1);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            return MetricAnswer.Stale($"Prometheus at {_shownServer} did not answer a query result: {e.Message}");
        }
    }

    private static string Name(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }
        return sb.Length > 0 && char.IsAsciiDigit(sb[0]) ? "_" + sb : sb.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}
