using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dca.Protocol.ClusterAgent;

namespace Dca.Node.Kubelet;

/// <summary>How to reach the kubelet (the Datadog node agent's <c>kubelet_*</c> / <c>kubernetes_*_kubelet_*</c> options).</summary>
internal sealed record KubeletClientOptions
{
    public required string Host { get; init; }

    public int HttpsPort { get; init; } = 10250;

    /// <summary>The read-only port, tried only when https fails and it is set (null: never).</summary>
    public int? HttpPort { get; init; }

    public bool VerifyTls { get; init; } = true;

    /// <summary>PEM file of the CA that signed the kubelet's serving certificate (null: the system store).</summary>
    public string? CaFile { get; init; }

    public string? ClientCertFile { get; init; }

    public string? ClientKeyFile { get; init; }

    /// <summary>File holding the bearer token (the service-account token in a pod); re-read when it changes.</summary>
    public string? TokenFile { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string UserAgent { get; init; } = "dca-node";

    /// <summary>
    /// Default of <see cref="MaxResponseBytes"/>: 64 MiB. A node's <c>/pods</c> is ~10-20 KiB per pod (with specs and
    /// statuses), so even 500 pods stay far below; <c>/stats/summary</c> is smaller.
    /// </summary>
    public const int DefaultMaxResponseBytes = 64 * 1024 * 1024;

    /// <summary>The largest body read from the kubelet; a larger one is <see cref="KubeletFailure.Malformed"/>, never buffered whole.</summary>
    public int MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;
}

/// <summary>What went wrong talking to the kubelet, as a label for the error counter.</summary>
internal enum KubeletFailure
{
    Unreachable,
    Timeout,
    Tls,
    Unauthorized,
    Forbidden,
    Status,
    Malformed,
}

/// <summary>A kubelet call that failed, with a message that names the likely cause and the fix.</summary>
internal sealed class KubeletException(KubeletFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public KubeletFailure Failure { get; } = failure;
}

/// <summary>
/// The kubelet's <c>/pods</c> and <c>/stats/summary</c> over https with the bearer token (re-read from
/// its file when it changes: projected service-account tokens rotate), verifying the kubelet's
/// certificate unless told not to. The read-only http port is used only when configured and https
/// cannot be reached; the token is never sent over http. Failures become <see cref="KubeletException"/>
/// whose message says what an operator should check (address, port, CA, RBAC) without the token.
/// </summary>
internal sealed class KubeletClient : IDisposable
{
    private readonly KubeletClientOptions _options;
    private readonly HttpClient _http;
    private readonly X509Certificate2Collection? _trust;
    private readonly Uri _https;
    private readonly Uri? _httpFallback;
    private (DateTime Modified, string? Token) _token;
    private bool _usingFallback;

    public KubeletClient(KubeletClientOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        var host = options.Host.Contains(':', StringComparison.Ordinal) && !options.Host.StartsWith('[') ? $"[{options.Host}]" : options.Host;
        _https = new Uri($"https://{host}:{options.HttpsPort}/");
        _httpFallback = options.HttpPort is { } port ? new Uri($"http://{host}:{port}/") : null;
        if (options.VerifyTls && options.CaFile is { Length: > 0 } ca)
        {
            _trust = [];
            _trust.ImportFromPemFile(ca);
        }
        _http = new HttpClient(handler ?? CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    /// <summary>Where requests go now: https, or the read-only port after https failed.</summary>
    public Uri BaseAddress => _usingFallback && _httpFallback is not null ? _httpFallback : _https;

    public Task<PodList> GetPodsAsync(CancellationToken cancellationToken) =>
        GetAsync("pods", KubeletJsonContext.Default.PodList, "nodes/proxy", cancellationToken);

    public Task<StatsSummary> GetStatsSummaryAsync(CancellationToken cancellationToken) =>
        GetAsync("stats/summary", KubeletJsonContext.Default.StatsSummary, "nodes/stats", cancellationToken);

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, string resource, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(_usingFallback ? _httpFallback! : _https, path, type, resource, cancellationToken);
        }
        catch (KubeletException e) when (!_usingFallback && _httpFallback is not null && e.Failure is KubeletFailure.Unreachable or KubeletFailure.Tls)
        {
            var result = await SendAsync(_httpFallback, path, type, resource, cancellationToken);
            _usingFallback = true;
            return result;
        }
    }

    // The body is read straight into the model (a node's pod list runs to megabytes: no copy of it is kept).
    private async Task<T> SendAsync<T>(Uri baseUri, string path, JsonTypeInfo<T> type, string resource, CancellationToken cancellationToken)
    {
        var url = new Uri(baseUri, path);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var secure = baseUri.Scheme == Uri.UriSchemeHttps;
        if (secure && ReadToken() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (secure && _usingFallback)
            {
                _usingFallback = false;
            }
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.Unauthorized:
                    throw new KubeletException(KubeletFailure.Unauthorized,
                        $"kubelet {url} answered 401 Unauthorized: the kubelet did not accept the token " +
                        (_options.TokenFile is null ? "(none is configured: set DD_KUBELET_AUTH_TOKEN_PATH)" : $"from {_options.TokenFile} (DD_KUBELET_AUTH_TOKEN_PATH)") +
                        "; the kubelet needs webhook token authentication (--authentication-token-webhook)");
                case HttpStatusCode.Forbidden:
                    throw new KubeletException(KubeletFailure.Forbidden,
                        $"kubelet {url} answered 403 Forbidden: the service account lacks \"get\" on {resource} " +
                        "(the node agent's ClusterRole needs nodes/proxy for /pods and nodes/stats for /stats/summary)");
                default:
                    throw new KubeletException(KubeletFailure.Status, $"kubelet {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            await using var body = new Dca.Kubernetes.Client.LengthLimitedStream(await response.Content.ReadAsStreamAsync(timeout.Token), _options.MaxResponseBytes);
            try
            {
                return await JsonSerializer.DeserializeAsync(body, type, timeout.Token) ?? throw new JsonException("the body is null");
            }
            catch (JsonException e)
            {
                throw new KubeletException(KubeletFailure.Malformed, $"kubelet /{path} returned malformed JSON: {e.Message}", e);
            }
            catch (InvalidDataException e)
            {
                throw new KubeletException(KubeletFailure.Malformed, $"kubelet /{path} returned more than {_options.MaxResponseBytes} bytes; refused", e);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeletException(KubeletFailure.Timeout,
                $"no answer from the kubelet at {url} within {_options.RequestTimeout.TotalSeconds:0.#} s: the kubelet is overloaded, or a firewall drops traffic to port {url.Port}");
        }
        catch (HttpRequestException e)
        {
            throw Diagnose(url, e);
        }
        catch (IOException e)
        {
            throw new KubeletException(KubeletFailure.Unreachable, $"the kubelet at {url.Host}:{url.Port} closed the connection mid-answer: {e.Message}", e);
        }
    }

    private KubeletException Diagnose(Uri url, HttpRequestException e)
    {
        var where = $"{url.Host}:{url.Port}";
        if (e.InnerException is AuthenticationException auth)
        {
            var fix = _options.CaFile is { } ca
                ? $"it is not signed by the CA in {ca} (DD_KUBELET_CLIENT_CA), or its names do not include \"{url.Host}\""
                : "set DD_KUBELET_CLIENT_CA to the CA that signed it, or DD_KUBELET_TLS_VERIFY=false if the kubelet serves a self-signed certificate";
            return new KubeletException(KubeletFailure.Tls, $"the kubelet's certificate at {where} did not verify ({auth.Message}): {fix}", e);
        }
        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        if (e.HttpRequestError == HttpRequestError.ConnectionError && socket is null && e.InnerException is OperationCanceledException or TimeoutException
            || socket?.SocketErrorCode == SocketError.TimedOut)
        {
            return new KubeletException(KubeletFailure.Timeout,
                $"connecting to the kubelet at {where} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s: check DD_KUBERNETES_KUBELET_HOST " +
                "(in a pod, the node's IP from the downward API status.hostIP) and that no firewall or network policy blocks the node agent from port " + url.Port, e);
        }
        var reason = socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => $"nothing listens on port {url.Port} there: check DD_KUBERNETES_HTTPS_KUBELET_PORT",
            SocketError.HostNotFound or SocketError.NoData => $"the name \"{url.Host}\" does not resolve: check DD_KUBERNETES_KUBELET_HOST",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to it: check DD_KUBERNETES_KUBELET_HOST",
            _ => e.InnerException?.Message ?? e.Message,
        };
        return new KubeletException(KubeletFailure.Unreachable, $"cannot reach the kubelet at {where}: {reason}", e);
    }

    private string? ReadToken()
    {
        if (_options.TokenFile is not { Length: > 0 } path)
        {
            return null;
        }
        try
        {
            var modified = File.GetLastWriteTimeUtc(path);
            if (_token.Token is null || modified != _token.Modified)
            {
                _token = (modified, Dca.Kubernetes.Config.BoundedFile.ReadText(path, MaxTokenBytes).Trim());
            }
            return _token.Token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeletException(KubeletFailure.Unauthorized, $"cannot read the kubelet token file {path} (DD_KUBELET_AUTH_TOKEN_PATH): {e.Message}", e);
        }
    }

    /// <summary>The largest token file read: tokens are a few KiB; a wrong path (a log, /dev/zero) must not fill memory.</summary>
    internal const int MaxTokenBytes = Dca.Kubernetes.Config.BoundedFile.MaxTokenBytes;

    private SocketsHttpHandler CreateHandler()
    {
        var ssl = new SslClientAuthenticationOptions();
        if (!_options.VerifyTls)
        {
#pragma warning disable CA5359 // DD_KUBELET_TLS_VERIFY=false: the operator chose not to verify (kubelets with self-signed certificates).
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
            ssl.CertificateChainPolicy = TlsTrust.CustomRoots([]);
        }
        else if (_trust is not null)
        {
            // Verify against the given CA only.
            ssl.CertificateChainPolicy = TlsTrust.CustomRoots(_trust);
        }
        if (_options.ClientCertFile is { Length: > 0 } cert && _options.ClientKeyFile is { Length: > 0 } key)
        {
            using var pem = X509Certificate2.CreateFromPemFile(cert, key);
            // Export and reload: on Linux an ephemeral PEM key cannot be used by SslStream directly.
            var usable = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            ssl.ClientCertificates = [usable];
        }
        return new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            SslOptions = ssl,
        };
    }

    public void Dispose() => _http.Dispose();
}
