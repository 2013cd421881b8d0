using System.Globalization;
using System.Net;
using System.Text.Json;
using Dca.Hosting;

namespace Dca.ExternalMetrics;

/// <summary>
/// The Datadog query API (<c>GET /api/v1/query?from&amp;to&amp;query</c>, keys in <c>DD-API-KEY</c> and
/// <c>DD-APPLICATION-KEY</c>) as Datadog's cluster agent uses it (PROTOCOL.md §8): queries are joined by commas into
/// batches of <see cref="DatadogQuerySettings.ChunkSize"/> under <see cref="DatadogQuerySettings.MaxQueryCharacters"/>, a few
/// batches in flight at once; each series comes back with its 0-based <c>query_index</c>; the value is the last
/// non-null point but one (the last bucket is usually partial), or the last when it is alone. One query giving
/// several series, only nulls, or none, is that query's error; a failed request is the error of its batch only.
/// Keys never appear in errors or logs.
/// </summary>
public sealed partial class DatadogQueryClient : IDisposable
{
    private readonly DatadogQuerySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly string _shownEndpoint;
    private long _requests;
    private long _failures;

    public DatadogQueryClient(DatadogQuerySettings settings, TimeProvider time, ILogger<DatadogQueryClient> logger, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        // Errors name the endpoint (they reach logs, DatadogMetric statuses and the external metrics API), never its credentials.
        _shownEndpoint = UrlCredentials.Hide(settings.Endpoint);
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = settings.Endpoint,
            Timeout = TimeSpan.FromSeconds(20),
        };
        _http.DefaultRequestHeaders.Add("DD-API-KEY", settings.ApiKey);
        _http.DefaultRequestHeaders.Add("DD-APPLICATION-KEY", settings.AppKey);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("dca-external-metrics");
    }

    public DatadogQuerySettings Settings => _settings;

    /// <summary>Requests made to the query API.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests that failed (unreachable, refused, rate limited, unreadable).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Why a query cannot be sent in a batch, or null: empty, a comma outside any brackets or quotes (it would split
    /// the batch and shift every other query's answer), or unbalanced brackets or quotes.
    /// </summary>
    public static string? Validate(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return "the query is empty";
        }
        var open = new Stack<char>();
        char quote = '\0';
        var escaped = false;
        foreach (var c in query)
        {
            if (quote != '\0')
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(' or '{' or '[':
                    open.Push(c);
                    break;
                case ')' or '}' or ']':
                    if (open.Count == 0 || open.Pop() != (c switch { ')' => '(', '}' => '{', _ => '[' }))
                    {
                        return $"unbalanced '{c}'";
                    }
                    break;
                case ',' when open.Count == 0:
                    return "a comma outside brackets: one query per DatadogMetric";
            }
        }
        return quote != '\0' ? "an unterminated quoted string" : open.Count > 0 ? $"an unclosed '{open.Peek()}'" : null;
    }

    /// <summary>The answer of every query (distinct, valid ones) over the last <paramref name="window"/>.</summary>
    public async Task<Dictionary<string, DatadogPoint>> QueryAsync(IReadOnlyCollection<string> queries, TimeSpan window, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, DatadogPoint>(queries.Count, StringComparer.Ordinal);
        var batches = Batches(queries);
        using var gate = new SemaphoreSlim(_settings.MaxParallelQueries);
        var answers = await Task.WhenAll(batches.Select(async batch =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await QueryBatchAsync(batch, window, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var answer in answers)
        {
            foreach (var (query, point) in answer)
            {
                results[query] = point;
            }
        }
        return results;
    }

    private List<List<string>> Batches(IReadOnlyCollection<string> queries)
    {
        var batches = new List<List<string>>();
        var current = new List<string>();
        var length = 0;
        foreach (var query in queries.Distinct(StringComparer.Ordinal))
        {
            var escaped = Uri.EscapeDataString(query).Length + 3; // and the escaped comma
            if (current.Count > 0 && (current.Count >= _settings.ChunkSize || length + escaped > _settings.MaxQueryCharacters))
            {
                batches.Add(current);
                current = [];
                length = 0;
            }
            current.Add(query);
            length += escaped;
        }
        if (current.Count > 0)
        {
            batches.Add(current);
        }
        return batches;
    }

    private async Task<Dictionary<string, DatadogPoint>> QueryBatchAsync(List<string> batch, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var joined = string.Join(',', batch);
        var path = string.Create(CultureInfo.InvariantCulture,
            $"api/v1/query?from={now.Add(-window).ToUnixTimeSeconds()}&to={now.ToUnixTimeSeconds()}&query={Uri.EscapeDataString(joined)}");
        Interlocked.Increment(ref _requests);
        string? failure;
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            failure = response.IsSuccessStatusCode ? null : Refusal(response, body);
            if (failure is null)
            {
                return Parse(body, batch, now, window);
            }
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = $"Datadog at {_shownEndpoint} is not reachable: {e.InnerException?.Message ?? e.Message}";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            failure = $"Datadog at {_shownEndpoint} did not answer a query result: {e.Message}";
        }
        Interlocked.Increment(ref _failures);
        Log.QueryFailed(_logger, batch.Count, failure);
        return batch.ToDictionary(q => q, _ => DatadogPoint.Failed(failure, now), StringComparer.Ordinal);
    }

    private string Refusal(HttpResponseMessage response, string body)
    {
        var reasons = Reasons(body);
        return response.StatusCode switch
        {
            HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
                $"Datadog at {_shownEndpoint} refused the API key or application key ({(int)response.StatusCode}{reasons}): check DD_API_KEY, DD_APP_KEY and DD_SITE",
            HttpStatusCode.TooManyRequests =>
                $"rate limited by the Datadog query API (429{reasons}); the limit resets in {Header(response, "X-RateLimit-Reset") ?? "?"} s",
            _ => $"Datadog at {_shownEndpoint} answered {(int)response.StatusCode}{reasons}",
        };
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The <c>errors</c> array Datadog's API answers with, as ": a; b" (bounded).</summary>
    private static string Reasons(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var text = string.Join("; ", errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()));
                return text.Length == 0 ? "" : ": " + (text.Length > 300 ? text[..300] + "…" : text);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status code says enough.
        }
        return "";
    }

    internal static Dictionary<string, DatadogPoint> Parse(string body, List<string> batch, DateTimeOffset now, TimeSpan window)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.TryGetProperty("status", out var status) && status.GetString() == "error")
        {
            var why = "Datadog rejected the query: " + (root.TryGetProperty("error", out var e) ? e.GetString() : "no reason given");
            return batch.ToDictionary(q => q, _ => DatadogPoint.Failed(why, now), StringComparer.Ordinal);
        }
        var results = new Dictionary<string, DatadogPoint>(batch.Count, StringComparer.Ordinal);
        if (root.TryGetProperty("series", out var series) && series.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in series.EnumerateArray())
            {
                int index;
                if (s.TryGetProperty("query_index", out var qi) && qi.ValueKind == JsonValueKind.Number)
                {
                    index = qi.GetInt32();
                }
                else if (batch.Count == 1)
                {
                    index = 0;
                }
                else
                {
                    // Without an index nothing in the batch can be trusted to be its own answer.
                    return batch.ToDictionary(q => q, _ => DatadogPoint.Failed($"Datadog answered a series without query_index for a batch of {batch.Count} queries", now), StringComparer.Ordinal);
                }
                if (index < 0 || index >= batch.Count)
                {
                    return batch.ToDictionary(q => q, _ => DatadogPoint.Failed($"Datadog answered query_index {index} for a batch of {batch.Count} queries", now), StringComparer.Ordinal);
                }
                var query = batch[index];
                results[query] = results.ContainsKey(query)
                    ? DatadogPoint.Failed("the query returns several series: aggregate it to one (e.g. avg:metric{...})", now)
                    : Pick(s, now, window);
            }
        }
        foreach (var query in batch)
        {
            if (!results.ContainsKey(query))
            {
                results[query] = DatadogPoint.Failed(string.Create(CultureInfo.InvariantCulture,
                    $"Datadog has no series for this query in the last {window.TotalSeconds:0} s"), now);
            }
        }
        return results;
    }

    private static DatadogPoint Pick(JsonElement series, DateTimeOffset now, TimeSpan window)
    {
        JsonElement? last = null;
        JsonElement? chosen = null;
        if (series.TryGetProperty("pointlist", out var points) && points.ValueKind == JsonValueKind.Array)
        {
            for (var i = points.GetArrayLength() - 1; i >= 0; i--)
            {
                var p = points[i];
                if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() < 2 || p[1].ValueKind != JsonValueKind.Number)
                {
                    continue;
                }
                if (last is null)
                {
                    last = p;
                    chosen = p;
                }
                else
                {
                    chosen = p;
                    break;
                }
            }
        }
        if (chosen is not { } point)
        {
            return DatadogPoint.Failed(string.Create(CultureInfo.InvariantCulture,
                $"only null values in the last {window.TotalSeconds:0} s: check the metric has data"), now);
        }
        var value = point[1].GetDouble();
        var at = DateTimeOffset.FromUnixTimeMilliseconds((long)point[0].GetDouble());
        return double.IsFinite(value) ? new DatadogPoint(value, at, null) : DatadogPoint.Failed($"Datadog answered {value}", now);
    }

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Datadog query of {Count} queries failed: {Reason}")]
        public static partial void QueryFailed(ILogger logger, int count, string reason);
    }
}
