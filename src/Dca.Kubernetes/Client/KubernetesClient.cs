using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Dca.Kubernetes.Config;
using Microsoft.Extensions.Logging;

namespace Dca.Kubernetes.Client;

/// <summary>
/// A small Kubernetes API client: the verbs the agents need, over one pooled HTTP/2-capable
/// connection set, with authentication, a QPS limiter, and jittered retries of 429/5xx that honour
/// Retry-After. Thread-safe; one instance per process.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ClusterEndpoint _endpoint;
    private readonly KubernetesClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RequestRateLimiter _limiter;
    private X509Certificate2? _clientCertificate;

    public KubernetesClient(ClusterEndpoint endpoint, KubernetesClientOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _endpoint = endpoint;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger("Dca.Kubernetes.Client");
        _limiter = new RequestRateLimiter(options.Qps, options.Burst, time);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            // Many watches share one HTTP/2 connection; more connections open past the stream limit.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = DecompressionMethods.GZip,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = ValidateServerCertificate,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => Volatile.Read(ref _clientCertificate)!,
            },
        };
        _http = new HttpClient(options.WrapHandler is { } wrap ? wrap(handler) : handler)
        {
            BaseAddress = endpoint.Server,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(ProductInfoHeaderValue.Parse(options.UserAgent));
    }

    /// <summary>The API server and where its configuration came from.</summary>
    public ClusterEndpoint Endpoint => _endpoint;

    public TimeProvider TimeProvider => _time;

    /// <summary>The default namespace from the configuration (context or pod namespace).</summary>
    public string? DefaultNamespace => _endpoint.Namespace;

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_endpoint.InsecureSkipTlsVerify)
        {
            return true;
        }
        if (certificate is null)
        {
            return false;
        }
        var host = _endpoint.TlsServerName ?? _endpoint.Server.IdnHost;
        using var leaf = new X509Certificate2(certificate);
        if (_endpoint.CertificateAuthorities is { } cas)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(cas);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!custom.Build(leaf))
            {
                return false;
            }
            return leaf.MatchesHostname(host);
        }
        if (_endpoint.TlsServerName is not null)
        {
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None && leaf.MatchesHostname(host);
        }
        return errors == SslPolicyErrors.None;
    }

    public void Dispose() => _http.Dispose();
}
