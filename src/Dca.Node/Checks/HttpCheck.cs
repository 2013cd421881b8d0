using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Dca.Protocol.Intake;

namespace Dca.Node.Checks;

/// <summary>
/// Datadog's <c>http_check</c>: requests <c>url</c> (<c>method</c>, default GET) within <c>timeout</c> seconds
/// (default 10). The run is OK when the status matches <c>http_response_status_code</c> (a regular expression,
/// default <c>(1|2|3)\d\d</c>) and, when given, the body matches <c>content_match</c> (or, with
/// <c>reverse_content_match: true</c>, does not). Emits service check <c>http.can_connect</c>, gauges
/// <c>network.http.can_connect</c> / <c>network.http.cant_connect</c> and <c>network.http.response_time</c>
/// (seconds), tagged <c>url:&lt;url&gt;</c>, <c>instance:&lt;name&gt;</c> and the instance's tags. For https with
/// <c>check_certificate_expiration</c> (default true): service check <c>http.ssl_cert</c> (warning under
/// <c>days_warning</c>, default 14; critical under <c>days_critical</c>, default 7) and gauges
/// <c>http.ssl.days_left</c>, <c>http.ssl.seconds_left</c>. <c>tls_verify: false</c> accepts any certificate.
/// </summary>
public static class HttpCheck
{
    public const string Name = "http_check";

    public static async Task<CheckResult> RunAsync(CheckInstance instance, string hostName, TimeProvider time, CancellationToken cancellationToken)
    {
        var url = instance.RequiredString("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"'url' is not an http or https URL: {url}");
        }
        var name = instance.String("name") ?? url;
        var timeout = TimeSpan.FromSeconds(instance.Number("timeout", 10));
        var statusPattern = new Regex("^(?:" + (instance.String("http_response_status_code") ?? @"(1|2|3)\d\d") + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var contentMatch = instance.String("content_match") is { Length: > 0 } m ? new Regex(m, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null;
        var reverse = instance.Bool("reverse_content_match", false);
        var verify = instance.Bool("tls_verify", true);
        var checkExpiry = instance.Bool("check_certificate_expiration", true);
        string[] tags = [$"url:{url}", $"instance:{name}", .. instance.Tags];
        var now = time.GetUtcNow();
        var samples = new List<MetricSample>();
        var checks = new List<ServiceCheck>();

        X509Certificate2? certificate = null;
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = true, ConnectTimeout = timeout, UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
        {
            // A redirect validates again: keep only the last server's certificate.
            certificate?.Dispose();
            certificate = cert is null ? null : new X509Certificate2(cert);
            return !verify || errors == SslPolicyErrors.None;
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = time.GetTimestamp();
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(instance.String("method")?.ToUpperInvariant() ?? "GET"), uri);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var code = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (!statusPattern.IsMatch(code))
            {
                failure = $"Incorrect HTTP return code for url {url}. Expected {statusPattern}, got {code}.";
            }
            else if (contentMatch is not null)
            {
                var body = await response.Content.ReadAsStringAsync(deadline.Token);
                var found = contentMatch.IsMatch(body);
                if (found == reverse)
                {
                    failure = reverse ? $"Content \"{contentMatch}\" found in the response (reverse_content_match)" : $"Content \"{contentMatch}\" not found in the response";
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"Timeout after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s requesting {url}";
        }
        catch (HttpRequestException e)
        {
            failure = $"Cannot connect to {url}: {e.InnerException?.Message ?? e.Message}";
        }
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        var ts = now.ToUnixTimeSeconds();
        var up = failure is null;
        samples.Add(new MetricSample("network.http.can_connect", MetricType.Gauge, up ? 1 : 0, ts, tags, hostName));
        samples.Add(new MetricSample("network.http.cant_connect", MetricType.Gauge, up ? 0 : 1, ts, tags, hostName));
        if (up && instance.Bool("collect_response_time", true))
        {
            samples.Add(new MetricSample("network.http.response_time", MetricType.Gauge, elapsed, ts, tags, hostName));
        }
        checks.Add(new ServiceCheck
        {
            Check = "http.can_connect", HostName = hostName, Timestamp = ts, Tags = tags,
            Status = up ? ServiceCheck.Ok : ServiceCheck.Critical, Message = failure,
        });
        if (uri.Scheme == "https" && checkExpiry && certificate is not null)
        {
            var left = certificate.NotAfter.ToUniversalTime() - now.UtcDateTime;
            var days = left.TotalDays;
            var critical = instance.Number("days_critical", 7);
            var warn = instance.Number("days_warning", 14);
            samples.Add(new MetricSample("http.ssl.days_left", MetricType.Gauge, Math.Floor(days), ts, tags, hostName));
            samples.Add(new MetricSample("http.ssl.seconds_left", MetricType.Gauge, Math.Floor(left.TotalSeconds), ts, tags, hostName));
            var status = days < critical ? ServiceCheck.Critical : days < warn ? ServiceCheck.Warning : ServiceCheck.Ok;
            checks.Add(new ServiceCheck
            {
                Check = "http.ssl_cert", HostName = hostName, Timestamp = ts, Tags = tags, Status = status,
                Message = status == ServiceCheck.Ok ? null : $"The certificate expires in {Math.Floor(days).ToString(CultureInfo.InvariantCulture)} days ({certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})",
            });
        }
        certificate?.Dispose();
        return new CheckResult(checks, samples);
    }
}
