using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Dca.Protocol.Intake;

/// <summary>
/// Sends to Datadog's public intake API: events to <c>/api/v1/events</c> (one per request), service
/// checks to <c>/api/v1/check_run</c> (batches), metrics to <c>/api/v2/series</c> (payloads under the size limit), gzip-compressed like the Datadog agent's payloads,
/// with the key in the <c>DD-API-KEY</c> header. 5xx, 429 and network errors are retried with jittered
/// exponential backoff (honouring Retry-After); other 4xx are not (the payload or key is wrong). Service
/// checks waiting beyond <see cref="IntakeSinkOptions.MaxQueuedServiceChecks"/> are dropped and counted;
/// events are never dropped: a failed send throws so the caller keeps its resume position. The API key
/// never appears in logs, exceptions or metrics.
/// </summary>
public sealed partial class DatadogIntakeSink : IIntakeSink, IDisposable
{
    private readonly HttpClient _http;
    private readonly IntakeSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _queuedChecks;
    private long _sent;
    private long _dropped;
    private long _retries;
    private long _failures;

    public DatadogIntakeSink(IntakeSinkOptions options, TimeProvider time, ILogger<DatadogIntakeSink> logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = options.BaseUri,
            Timeout = options.RequestTimeout,
        };
    }

    /// <summary>Payload items (events, service checks, series) the intake accepted.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Service checks dropped because too many were waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Sends given up (after the retries, or a non-retryable answer).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public async Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await PostAsync("api/v1/events", e, IntakeJsonContext.Default.IntakeEvent, 1, cancellationToken);
        }
    }

    public async Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken)
    {
        if (checks.Count == 0)
        {
            return;
        }
        if (Interlocked.Add(ref _queuedChecks, checks.Count) > _options.MaxQueuedServiceChecks)
        {
            Interlocked.Add(ref _queuedChecks, -checks.Count);
            Interlocked.Add(ref _dropped, checks.Count);
            Log.Dropped(_logger, checks.Count, _options.MaxQueuedServiceChecks);
            return;
        }
        try
        {
            await PostAsync("api/v1/check_run", checks.ToList(), IntakeJsonContext.Default.ListServiceCheck, checks.Count, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _queuedChecks, -checks.Count);
        }
    }

    public async Task SendSeriesAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
    {
        foreach (var (body, count) in SeriesPayload.Build(samples, _options.MaxSeriesPayloadBytes))
        {
            await PostCompressedAsync("api/v2/series", body, count, cancellationToken);
        }
    }

    private Task PostAsync<T>(string path, T payload, JsonTypeInfo<T> type, int items, CancellationToken cancellationToken) =>
        PostBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(payload, type), items, cancellationToken);

    private Task PostBytesAsync(string path, byte[] json, int items, CancellationToken cancellationToken) =>
        PostCompressedAsync(path, Compress(json), items, cancellationToken);

    private async Task PostCompressedAsync(string path, byte[] body, int items, CancellationToken cancellationToken)
    {
        var delay = _options.RetryBaseDelay;
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Content.Headers.ContentEncoding.Add("gzip");
                request.Headers.TryAddWithoutValidation("DD-API-KEY", _options.ApiKey);
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref _sent, items);
                    return;
                }
                var status = (int)response.StatusCode;
                failure = $"{path} answered {status} {response.ReasonPhrase}";
                if (status != 429 && status < 500)
                {
                    Interlocked.Increment(ref _failures);
                    // 403 is the usual answer to a wrong key: say so without showing it.
                    throw new HttpRequestException(response.StatusCode == HttpStatusCode.Forbidden
                        ? failure + ": check DD_API_KEY and DD_SITE" : failure, null, response.StatusCode);
                }
                // Seconds or a date, at most the longest backoff: a proxy answering "Retry-After: 3600" would hold events an hour per attempt.
                retryAfter = Dca.Http.RetryAfter.Of(response.Headers, _time.GetUtcNow(), _options.RetryMaxDelay);
            }
            catch (HttpRequestException e) when (e.StatusCode is null)
            {
                failure = $"{path}: {e.Message}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{path}: no answer within {_options.RequestTimeout.TotalSeconds:F0} s";
            }
            if (attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _failures);
                throw new HttpRequestException($"gave up after {attempt} attempts: {failure}");
            }
            Interlocked.Increment(ref _retries);
            var wait = retryAfter ?? delay * (0.5 + Random.Shared.NextDouble());
            Log.Retrying(_logger, failure, wait.TotalSeconds, attempt);
            await Task.Delay(wait, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryMaxDelay.Ticks));
        }
    }

    private static byte[] Compress(byte[] json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(json);
        }
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(600, LogLevel.Warning, "Intake: {Failure}; retrying in {Seconds:F1} s (attempt {Attempt})")]
        public static partial void Retrying(ILogger logger, string failure, double seconds, int attempt);

        [LoggerMessage(601, LogLevel.Warning, "Intake: dropped {Count} service checks: more than {Limit} waiting")]
        public static partial void Dropped(ILogger logger, int count, int limit);
    }
}

/// <summary>Where and how <see cref="DatadogIntakeSink"/> sends.</summary>
public sealed record IntakeSinkOptions
{
    /// <summary><c>DD_API_KEY</c>. Never logged.</summary>
    public required string ApiKey { get; init; }

    /// <summary><c>DD_DD_URL</c>, else <c>https://api.&lt;DD_SITE&gt;/</c>.</summary>
    public required Uri BaseUri { get; init; }

    public int MaxAttempts { get; init; } = 6;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public int MaxQueuedServiceChecks { get; init; } = 10_000;

    /// <summary>
    /// Uncompressed bytes per series payload. The intake takes at most 5 MB uncompressed and 512 KB
    /// compressed; series JSON (repetitive tags) compresses well over tenfold, so 2 MB stays under both.
    /// </summary>
    public int MaxSeriesPayloadBytes { get; init; } = DefaultMaxSeriesPayloadBytes;

    /// <summary>The default of <see cref="MaxSeriesPayloadBytes"/>, for other senders of the same payloads.</summary>
    public const int DefaultMaxSeriesPayloadBytes = 2 * 1024 * 1024;

    /// <summary>The intake base for a site: <c>datadoghq.com</c> gives <c>https://api.datadoghq.com/</c>.</summary>
    public static Uri ForSite(string site, string? ddUrl) =>
        new((ddUrl is { Length: > 0 } url ? url.TrimEnd('/') : "https://api." + site.Trim().TrimEnd('/')) + "/");

    /// <summary>
    /// The intake for <c>DD_SITE</c> / <c>DD_DD_URL</c> as an operator gave them, or an
    /// <see cref="ArgumentException"/> saying what is wrong with them.
    /// </summary>
    public static Uri Resolve(string site, string? ddUrl)
    {
        Uri uri;
        try
        {
            uri = ForSite(site, ddUrl);
        }
        catch (UriFormatException)
        {
            throw new ArgumentException("not a valid URL");
        }
        return uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp ? uri : throw new ArgumentException("not an http(s) URL");
    }

    public override string ToString() => $"IntakeSinkOptions {{ BaseUri = {Dca.Hosting.UrlCredentials.Hide(BaseUri)}, ApiKey = <redacted> }}";
}
