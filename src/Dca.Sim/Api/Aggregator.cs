using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The API server's aggregation layer, as kube-apiserver's: for an <c>apiregistration.k8s.io/v1</c> APIService
/// <c>&lt;version&gt;.&lt;group&gt;</c> whose <c>spec.service</c> names a Service, requests under
/// <c>/apis/&lt;group&gt;/&lt;version&gt;</c> are proxied to the Service's endpoint, presenting the front-proxy client
/// certificate and the caller as <c>X-Remote-User</c> / <c>X-Remote-Group</c>; the backend authenticates them
/// against the front-proxy CA published in <c>kube-system/extension-apiserver-authentication</c>. The endpoint
/// comes from the Service's Endpoints (the port named like the Service port, or its target port), and must be a
/// loopback address: the simulator never proxies off the machine. The backend's certificate is verified
/// against <c>spec.caBundle</c> unless <c>spec.insecureSkipTLSVerify</c>. Errors are Status objects (503
/// ServiceUnavailable when the backend cannot be reached, as kube-apiserver answers).
/// </summary>
internal sealed class Aggregator : IDisposable
{
    public const string FrontProxyClientName = "front-proxy-client";

    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Authorization",
        "X-Remote-User", "X-Remote-Group",
    };

    private readonly ObjectStore _store;
    private readonly HttpClient _verified;
    private readonly HttpClient _insecure;
    private byte[]? _caBundle;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359:Do Not Disable Certificate Validation",
        Justification = "Used only for APIServices that set spec.insecureSkipTLSVerify, as kube-apiserver does for them.")]
    public Aggregator(ObjectStore store, X509Certificate2 frontProxyCertificate)
    {
        _store = store;
        _verified = Client(frontProxyCertificate, VerifyAgainstBundle);
        _insecure = Client(frontProxyCertificate, static (_, _, _, _) => true);
    }

    /// <summary>The group versions APIServices register, for <c>/apis</c>.</summary>
    public IEnumerable<(string Group, string Version)> Registered() =>
        _store.Objects(ResourceTypes.ApiServices).Select(Spec).OfType<JsonElement>()
            .Select(s => (Str(s, "group") ?? "", Str(s, "version") ?? "")).Where(gv => gv.Item1.Length > 0 && gv.Item2.Length > 0);

    /// <summary>Proxies the request when an APIService serves its path; false otherwise.</summary>
    public async Task<bool> TryHandleAsync(HttpContext ctx, string path, string identity)
    {
        var segments = path.Trim('/').Split('/');
        if (segments.Length < 3 || segments[0] != "apis")
        {
            return false;
        }
        var apiService = _store.Get(ResourceTypes.ApiServices, "", segments[2] + "." + segments[1]);
        if (apiService is null || Spec(apiService) is not { } spec || !spec.TryGetProperty("service", out var service) || service.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        var address = Resolve(Str(service, "namespace") ?? "default", Str(service, "name") ?? "", Int(service, "port") ?? 443);
        var insecure = spec.TryGetProperty("insecureSkipTLSVerify", out var skip) && skip.ValueKind == JsonValueKind.True;
        if (!insecure)
        {
            Volatile.Write(ref _caBundle, Str(spec, "caBundle") is { Length: > 0 } bundle ? Convert.FromBase64String(bundle) : null);
        }
        var request = ctx.Request;
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"https://{address}{request.Path}{request.QueryString}"));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            outgoing.Content = new StreamContent(request.Body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (!s_hopByHop.Contains(name) && !name.StartsWith("X-Remote-Extra-", StringComparison.OrdinalIgnoreCase)
                && !outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        // The caller, as the request-header authenticator of the backend reads it.
        outgoing.Headers.TryAddWithoutValidation("X-Remote-User", identity);
        outgoing.Headers.TryAddWithoutValidation("X-Remote-Group", "system:authenticated");
        HttpResponseMessage response;
        try
        {
            response = await (insecure ? _insecure : _verified).SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            throw new StatusException(503, "ServiceUnavailable", $"error trying to reach service: {e.InnerException?.Message ?? e.Message}");
        }
        using (response)
        {
            ctx.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!s_hopByHop.Contains(name))
                {
                    ctx.Response.Headers[name] = values.ToArray();
                }
            }
            await response.Content.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
        }
        return true;
    }

    /// <summary><c>ip:port</c> of the Service's first ready endpoint for <paramref name="servicePort"/>; loopback only.</summary>
    private string Resolve(string ns, string name, int servicePort)
    {
        var svc = _store.Get(ResourceTypes.Services, ns, name)
            ?? throw new StatusException(503, "ServiceUnavailable", $"service \"{ns}/{name}\" not found");
        using var svcDoc = JsonDocument.Parse(svc.Json);
        string? portName = null;
        int? targetPort = null;
        if (svcDoc.RootElement.TryGetProperty("spec", out var svcSpec) && svcSpec.TryGetProperty("ports", out var ports))
        {
            foreach (var port in ports.EnumerateArray().Where(x => Int(x, "port") == servicePort))
            {
                portName = Str(port, "name");
                // A named target port is matched by name below; a number by number.
                targetPort = Int(port, "targetPort") ?? (Str(port, "targetPort") is null ? servicePort : null);
                portName = Str(port, "targetPort") ?? portName;
            }
        }
        var endpoints = _store.Get(ResourceTypes.Endpoints, ns, name)
            ?? throw new StatusException(503, "ServiceUnavailable", $"no endpoints available for service \"{ns}/{name}\"");
        using var epDoc = JsonDocument.Parse(endpoints.Json);
        if (epDoc.RootElement.TryGetProperty("subsets", out var subsets))
        {
            foreach (var subset in subsets.EnumerateArray())
            {
                int? port = null;
                if (subset.TryGetProperty("ports", out var subsetPorts))
                {
                    foreach (var sp in subsetPorts.EnumerateArray())
                    {
                        var n = Str(sp, "name");
                        if (Int(sp, "port") is { } value && (n == portName || value == targetPort || subsetPorts.GetArrayLength() == 1))
                        {
                            port = value;
                        }
                    }
                }
                if (port is null || !subset.TryGetProperty("addresses", out var addresses))
                {
                    continue;
                }
                foreach (var a in addresses.EnumerateArray())
                {
                    if (Str(a, "ip") is { } ip && IPAddress.TryParse(ip, out var parsed))
                    {
                        if (!IPAddress.IsLoopback(parsed))
                        {
                            throw new StatusException(503, "ServiceUnavailable", $"service \"{ns}/{name}\" resolves to {ip}: the simulator only proxies to loopback addresses");
                        }
                        return (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip) + ":" + port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        throw new StatusException(503, "ServiceUnavailable", $"no endpoints available for service \"{ns}/{name}\"");
    }

    private bool VerifyAgainstBundle(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || Volatile.Read(ref _caBundle) is not { } bundle)
        {
            return false;
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(System.Text.Encoding.UTF8.GetString(bundle));
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.AddRange(roots);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The name is checked against the Service's DNS name by kube-apiserver; the simulator checks the chain only.
        return verify.Build(new X509Certificate2(certificate));
    }

    private static HttpClient Client(X509Certificate2 clientCertificate, RemoteCertificateValidationCallback validate) => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        UseProxy = false,
        AllowAutoRedirect = false,
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate],
            LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate,
            RemoteCertificateValidationCallback = validate,
        },
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static JsonElement? Spec(StoredObject apiService)
    {
        using var doc = JsonDocument.Parse(apiService.Json);
        return doc.RootElement.TryGetProperty("spec", out var spec) ? spec.Clone() : null;
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public void Dispose()
    {
        _verified.Dispose();
        _insecure.Dispose();
    }
}
