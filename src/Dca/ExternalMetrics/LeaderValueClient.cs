using System.Net.Security;
using Dca.Api;

namespace Dca.ExternalMetrics;

/// <summary>
/// A follower's way to the leader's values: it asks its own command port's
/// <see cref="ExternalMetricsApi.LeaderValueRoute"/> with the token, which the leader forwarder sends on to the
/// leader (or answers 503 while no leader is known), and relays the answer (status and body: the leader's
/// <c>ExternalMetricValueList</c> or <c>Status</c>).
/// </summary>
internal sealed class LeaderValueClient : IDisposable
{
    private readonly HttpClient _http;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359:Do Not Disable Certificate Validation",
        Justification = "The target is this process's own command port on loopback, which serves its self-signed certificate.")]
    public LeaderValueClient(DcaOptions options)
    {
        var host = options.BindAddress.Equals(System.Net.IPAddress.Any) || options.BindAddress.Equals(System.Net.IPAddress.IPv6Any)
            ? "127.0.0.1"
            : options.BindAddress.ToString();
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(1),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
        })
        {
            BaseAddress = new Uri($"https://{(host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host)}:{options.CommandPortNumber}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.Token);
    }

    public async Task RelayAsync(HttpContext ctx, string ns, string metric)
    {
        var path = $"/api/v1/externalmetrics/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(metric)}{ctx.Request.QueryString}";
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), ctx.RequestAborted);
            var body = await response.Content.ReadAsByteArrayAsync(ctx.RequestAborted);
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                await ApiEndpoint.WriteJson(ctx, body, (int)response.StatusCode);
                return;
            }
            // The forwarder's own answers (no leader yet, leader unreachable) are plain text: as a Status.
            await ExternalMetricsApi.Status(ctx, 503, "ServiceUnavailable", "the leader's external metrics are not reachable: " + System.Text.Encoding.UTF8.GetString(body).Trim());
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !ctx.RequestAborted.IsCancellationRequested)
        {
            await ExternalMetricsApi.Status(ctx, 503, "ServiceUnavailable", "the leader's external metrics are not reachable: " + e.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
