using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dca.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace Dca.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Sends a request built by <paramref name="build"/> (called again for each attempt), retrying
    /// connection failures, 429 and 5xx with jittered exponential backoff that honours Retry-After.
    /// A non-idempotent POST is retried only on 429, which the server sends before doing anything.
    /// Returns the successful response (headers read, body not yet); throws <see cref="KubernetesApiException"/>
    /// for an error status.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> build, string verb, string resource, bool streaming, CancellationToken cancellationToken)
    {
        var refreshedCredentials = false;
        for (var attempt = 1; ; attempt++)
        {
            await _limiter.WaitAsync(cancellationToken);
            using var request = build();
            var credentials = await _endpoint.Credentials.GetAsync(cancellationToken);
            if (credentials.BearerToken is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            Volatile.Write(ref _clientCertificate, credentials.ClientCertificate);

            HttpResponseMessage response;
            using var timeout = streaming ? null : new CancellationTokenSource(_options.RequestTimeout, _time);
            using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked?.Token ?? cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (attempt >= _options.MaxAttempts || request.Method == HttpMethod.Post)
                {
                    throw new HttpRequestException($"{verb} {resource}: {_endpoint.ShownServer} unreachable after {attempt} attempt(s): {ex.Message}", ex);
                }
                var delay = Backoff(attempt);
                Log.RequestFailedRetrying(_logger, verb, resource, ex.Message, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                var code = response.StatusCode;
                var retriable = code == HttpStatusCode.TooManyRequests
                    || ((int)code >= 500 && request.Method != HttpMethod.Post);
                if (code == HttpStatusCode.Unauthorized && !refreshedCredentials)
                {
                    // Rotated token or expired exec credential: fetch fresh ones and try once more.
                    refreshedCredentials = true;
                    _endpoint.Credentials.Invalidate();
                    attempt--;
                    continue;
                }
                if (retriable && attempt < _options.MaxAttempts)
                {
                    var delay = RetryAfter(response) ?? Backoff(attempt);
                    Log.RequestRetrying(_logger, verb, resource, (int)code, attempt, delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, cancellationToken);
                    continue;
                }
                // The request's deadline bounds the error body too: a server that stalls mid-body cannot hang us.
                var error = await ErrorAsync(response, verb, resource, linked?.Token ?? cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                throw error;
            }
        }
    }

    /// <summary>Full jitter: a random delay up to base × 2^(attempt-1), capped.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        Dca.Http.RetryAfter.Of(response.Headers, _time.GetUtcNow(), _options.RetryMaxDelay);

    /// <summary>
    /// Decodes the Status body of an error response (bounded read; a non-Status body is quoted). A body that is
    /// cut, stalled (until <paramref name="cancellationToken"/>) or not JSON still gives the status code.
    /// </summary>
    internal static async Task<KubernetesApiException> ErrorAsync(HttpResponseMessage response, string verb, string resource, CancellationToken cancellationToken)
    {
        const int MaxBody = 64 * 1024;
        var body = new byte[MaxBody];
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            int read;
            while (length < MaxBody && (read = await stream.ReadAsync(body.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            // The body is only for the message; the status code says enough.
        }
        Status? status = null;
        try
        {
            status = JsonSerializer.Deserialize(body.AsSpan(0, length), KubernetesJsonContext.Default.Status);
        }
        catch (JsonException)
        {
        }
        var message = status?.Message
            ?? (length > 0 ? System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(length, 512)).Trim() : response.ReasonPhrase ?? "");
        if (message.Length > 1024)
        {
            // A Status message is a sentence; a longer one is noise that would flood the log.
            message = message[..1024] + "...";
        }
        return new KubernetesApiException(response.StatusCode, status?.Reason, message, verb, resource);
    }

    internal static string Query(params (string Key, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => !string.IsNullOrEmpty(p.Value))
            .Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value!));
        var joined = string.Join("&", parts);
        return joined.Length == 0 ? "" : "?" + joined;
    }

    internal static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Verb} {Resource} answered {StatusCode}; retry {Attempt} in {DelayMs:F0} ms")]
        public static partial void RequestRetrying(ILogger logger, string verb, string resource, int statusCode, int attempt, double delayMs);

        [LoggerMessage(2, LogLevel.Warning, "{Verb} {Resource} failed: {Error}; retry {Attempt} in {DelayMs:F0} ms")]
        public static partial void RequestFailedRetrying(ILogger logger, string verb, string resource, string error, int attempt, double delayMs);
    }
}
