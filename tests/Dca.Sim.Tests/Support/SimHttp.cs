using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Dca.Sim.Tests.Support;

/// <summary>An HTTP client that trusts the simulator's CA and sends its token.</summary>
internal static class SimHttp
{
    public static HttpClient Client(Simulator sim, string? token = null, Uri? baseAddress = null)
    {
        var ca = X509Certificate2.CreateFromPem(sim.CaCertificatePem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null)
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(cert));
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress ?? sim.ApiUri, Timeout = TimeSpan.FromSeconds(30) };
        if (token != "")
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? sim.Token);
        }
        return client;
    }

    public static async Task<(int Status, JsonDocument Body)> GetJsonAsync(HttpClient client, string path, CancellationToken ct, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return ((int)response.StatusCode, JsonDocument.Parse(body));
    }

    public static async Task<(int Status, JsonDocument Body)> SendJsonAsync(HttpClient client, HttpMethod method, string path, string json, CancellationToken ct, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return ((int)response.StatusCode, JsonDocument.Parse(body));
    }

    /// <summary>Opens a watch and yields its lines as they arrive.</summary>
    public static async IAsyncEnumerable<JsonDocument> WatchAsync(HttpClient client, string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length > 0)
            {
                yield return JsonDocument.Parse(line);
            }
        }
    }
}
