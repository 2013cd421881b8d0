using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dca.Protocol.ClusterChecks;

namespace Dca.Protocol.ClusterAgent;

/// <summary>How the node agent talks to the cluster agent.</summary>
public sealed record ClusterAgentClientOptions
{
    public required Uri Endpoint { get; init; }

    /// <summary><c>DD_CLUSTER_AGENT_AUTH_TOKEN</c>. Never logged.</summary>
    public required string Token { get; init; }

    /// <summary>
    /// <c>DD_CLUSTER_TRUST_CHAIN_ENABLE_TLS_VERIFICATION</c>: verify the cluster agent's certificate. Off by
    /// default like the Datadog node agent (the cluster agent usually serves a self-signed certificate).
    /// </summary>
    public bool VerifyTls { get; init; }

    /// <summary><c>DD_CLUSTER_TRUST_CHAIN_CA_CERT_FILE_PATH</c>: the CA to verify against (else the system store).</summary>
    public string? CaFile { get; init; }

    /// <summary>Dial timeout: the TCP connection (Datadog: 1 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>TLS handshake timeout, after the dial (Datadog: 5 s). A busy cluster agent's handshake takes longer than a dial.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whole-request timeout (Datadog: 10 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>DD_CLUSTER_AGENT_CLIENT_RECONNECT_PERIOD_SECONDS</c> (1200 s): the connection is dropped and the
    /// version asked again after this long, so node agents spread over the replicas behind the Service.
    /// </summary>
    public TimeSpan ReconnectPeriod { get; init; } = TimeSpan.FromSeconds(1200);

    public string UserAgent { get; init; } = "dca-node";

    /// <summary>
    /// Default of <see cref="MaxResponseBytes"/>: 16 MiB. The largest answers (a node's pod services, its check
    /// configurations) are tens to hundreds of KiB.
    /// </summary>
    public const int DefaultMaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>The largest answer read from the cluster agent; a larger one fails the call instead of being buffered.</summary>
    public int MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;

    public override string ToString() => $"ClusterAgentClientOptions {{ Endpoint = {Dca.Hosting.UrlCredentials.Hide(Endpoint)}, Token = <redacted> }}";
}

/// <summary>
/// The node agent's client for the cluster agent (PROTOCOL.md §2): bearer token on every request, a
/// <c>/version</c> handshake before the first call and after each reconnect, the per-node pod metadata
/// route (cluster agents ≥ 1.3), node and namespace labels. Failures throw
/// <see cref="ClusterAgentException"/> with the route and the status; the token never appears in them.
/// </summary>
public sealed class ClusterAgentClient : IDisposable
{
    private readonly ClusterAgentClientOptions _options;
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection? _trust;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HttpClient? _http;
    private long _connectedAt;

    public ClusterAgentClient(ClusterAgentClientOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        if (options.VerifyTls && options.CaFile is { Length: > 0 } ca)
        {
            _trust = [];
            _trust.ImportFromPemFile(ca);
        }
    }

    /// <summary>The cluster agent's version from the last handshake, or null before the first.</summary>
    public AgentVersion? Version { get; private set; }

    /// <summary>Handshakes so far (the first, then one per reconnect).</summary>
    public int Handshakes { get; private set; }

    public async Task<PodServices> GetPodServicesAsync(string node, CancellationToken cancellationToken)
    {
        var body = await GetAsync("/api/v1/tags/pod/" + Uri.EscapeDataString(node), cancellationToken);
        try
        {
            return PodServices.Parse(body, node);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new ClusterAgentException($"/api/v1/tags/pod/{node}: {e.Message}", null, e);
        }
    }

    public Task<IReadOnlyDictionary<string, string>> GetNodeLabelsAsync(string node, CancellationToken cancellationToken) =>
        GetLabelsAsync("/api/v1/tags/node/" + Uri.EscapeDataString(node), cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> GetNamespaceLabelsAsync(string ns, CancellationToken cancellationToken) =>
        GetLabelsAsync("/api/v1/tags/namespace/" + Uri.EscapeDataString(ns), cancellationToken);

    private async Task<IReadOnlyDictionary<string, string>> GetLabelsAsync(string path, CancellationToken cancellationToken)
    {
        var body = await GetAsync(path, cancellationToken);
        try
        {
            return LabelMap.Parse(body);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new ClusterAgentException($"{path}: {e.Message}", null, e);
        }
    }

    /// <summary>
    /// A cluster-check heartbeat (<c>POST /api/v1/clusterchecks/status/{node}</c>): true when the configurations
    /// the node runs, fetched at <see cref="NodeStatus.LastChange"/>, are still current.
    /// </summary>
    public async Task<bool> PostClusterCheckStatusAsync(string node, NodeStatus status, CancellationToken cancellationToken)
    {
        var path = "/api/v1/clusterchecks/status/" + Uri.EscapeDataString(node);
        var json = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(status, ProtocolJsonContext.Default.NodeStatus));
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var body = await SendAsync(await ConnectedAsync(cancellationToken), path, cancellationToken, json);
        return Decode(path, body, ProtocolJsonContext.Default.StatusResponse).IsUpToDate;
    }

    /// <summary>
    /// Pushes a gzip-compressed Datadog v2 series payload to the cluster agent (<c>POST /api/v2/series</c>, the
    /// leader's), which keeps it for the external metrics the Horizontal Pod Autoscaler reads.
    /// </summary>
    public async Task PostSeriesAsync(byte[] gzipPayload, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(gzipPayload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        await SendAsync(await ConnectedAsync(cancellationToken), "/api/v2/series", cancellationToken, content);
    }

    /// <summary>The cluster checks the leader dispatched to <paramref name="node"/>.</summary>
    public Task<ConfigsResponse> GetClusterCheckConfigsAsync(string node, CancellationToken cancellationToken) =>
        GetConfigsAsync("/api/v1/clusterchecks/configs/" + Uri.EscapeDataString(node), cancellationToken);

    /// <summary>The endpoints checks for the pods on <paramref name="node"/>.</summary>
    public Task<ConfigsResponse> GetEndpointsCheckConfigsAsync(string node, CancellationToken cancellationToken) =>
        GetConfigsAsync("/api/v1/endpointschecks/configs/" + Uri.EscapeDataString(node), cancellationToken);

    private async Task<ConfigsResponse> GetConfigsAsync(string path, CancellationToken cancellationToken)
    {
        var response = Decode(path, await GetAsync(path, cancellationToken), ProtocolJsonContext.Default.ConfigsResponse);
        // A null in the list would fail the node agent's reconcile; there is no configuration to run in it.
        return response.Configs is { } configs && Array.IndexOf(configs, null) >= 0
            ? response with { Configs = configs.OfType<CheckConfigPayload>().ToArray() }
            : response;
    }

    private static T Decode<T>(string path, byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new ClusterAgentException($"{path}: not the expected JSON ({e.Message.Split(" Path:")[0]})", null, e);
        }
    }

    private async Task<byte[]> GetAsync(string path, CancellationToken cancellationToken)
    {
        var http = await ConnectedAsync(cancellationToken);
        return await SendAsync(http, path, cancellationToken);
    }

    /// <summary>The client, after a handshake when there was none yet or the reconnect period is over.</summary>
    private async Task<HttpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        var http = Volatile.Read(ref _http);
        if (http is not null && _time.GetElapsedTime(Volatile.Read(ref _connectedAt)) < _options.ReconnectPeriod)
        {
            return http;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            http = _http;
            if (http is not null && _time.GetElapsedTime(_connectedAt) < _options.ReconnectPeriod)
            {
                return http;
            }
            var fresh = CreateHttpClient();
            try
            {
                var body = await SendAsync(fresh, "/version", cancellationToken);
                AgentVersion version;
                try
                {
                    version = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentVersion)
                        ?? throw new JsonException("null");
                }
                catch (JsonException e)
                {
                    throw new ClusterAgentException($"/version: not a version object ({e.Message})", null, e);
                }
                if (version is { Major: 0, Minor: 0, Patch: 0 })
                {
                    throw new ClusterAgentException("/version: the cluster agent reports 0.0.0 (not initialised yet)", null);
                }
                if (version.Major < 1 || (version.Major == 1 && version.Minor < 3))
                {
                    throw new ClusterAgentException($"/version: cluster agent {version} is older than 1.3 and has no per-node metadata route; upgrade it", null);
                }
                Version = version;
                Handshakes++;
            }
            catch
            {
                fresh.Dispose();
                throw;
            }
            var previous = _http;
            _http = fresh;
            Volatile.Write(ref _connectedAt, _time.GetTimestamp());
            previous?.Dispose();
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>GET, or POST of <paramref name="content"/> (disposed with the request).</summary>
    private async Task<byte[]> SendAsync(HttpClient http, string path, CancellationToken cancellationToken, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var hint = status switch
                {
                    401 or 403 => ": check that DD_CLUSTER_AGENT_AUTH_TOKEN is the cluster agent's token",
                    404 => ": is this address a cluster agent?",
                    _ => "",
                };
                throw new ClusterAgentException($"{path} answered {status} {response.ReasonPhrase}{hint}", status)
                {
                    RetryAfter = RetryAfterOf(response),
                };
            }
            return body;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && !timeout.IsCancellationRequested)
        {
            // Neither the caller nor the request timeout: the handler's connect timeout, which is the dial's plus
            // the TLS handshake's (the dial's own is enforced in DialAsync).
            throw new ClusterAgentException($"{path}: cannot connect to the cluster agent at {_options.Endpoint.Authority} within {(_options.ConnectTimeout + _options.TlsHandshakeTimeout).TotalSeconds:0.#} s (TCP connection and TLS handshake)", null, e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterAgentException($"{path}: no answer from {_options.Endpoint.Authority} within {_options.RequestTimeout.TotalSeconds:0.#} s", null);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
        {
            throw new ClusterAgentException($"{path}: the answer is larger than {_options.MaxResponseBytes} bytes; refused", null, e);
        }
        catch (HttpRequestException e)
        {
            throw new ClusterAgentException($"{path}: cannot reach the cluster agent at {_options.Endpoint.Authority}: {e.InnerException?.Message ?? e.Message}", null, e);
        }
        catch (ObjectDisposedException e)
        {
            // Another caller reconnected (reconnect period) while this request held the previous client.
            throw new ClusterAgentException($"{path}: the connection was recycled during the request; retried at the next poll", null, e);
        }
    }

    /// <summary>
    /// The cluster agent's <c>Retry-After</c> when it sheds load (429, 503): seconds, or an HTTP date. Capped at
    /// the longest backoff so that a wrong value cannot silence a node agent for long.
    /// </summary>
    private TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        Dca.Http.RetryAfter.Of(response.Headers, _time.GetUtcNow(), MaxRetryAfter) is { } d && d > TimeSpan.Zero ? d : null;

    /// <summary>The longest <c>Retry-After</c> honoured (the node agent's longest backoff).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    private HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            // The dial has its own timeout (DialAsync); what is left of this one is the TLS handshake's.
            ConnectTimeout = _options.ConnectTimeout + _options.TlsHandshakeTimeout,
            ConnectCallback = DialAsync,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = _options.ReconnectPeriod,
            MaxConnectionsPerServer = 1,
            // Asks for gzip, as Go's client (the Datadog node agent's) does by default: the cluster agent keeps its
            // larger bodies compressed. MaxResponseContentBufferSize bounds the decompressed answer.
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            SslOptions = new SslClientAuthenticationOptions
            {
#pragma warning disable CA5359 // Opt-in verification, as in the Datadog node agent (see AcceptAny).
                RemoteCertificateValidationCallback = _options.VerifyTls ? null : AcceptAny,
#pragma warning restore CA5359
                // A given CA, or nothing when not verifying: either way the system's root store is not loaded.
                CertificateChainPolicy = _trust is not null || !_options.VerifyTls ? TlsTrust.CustomRoots(_trust ?? []) : null,
            },
        };
        // Answers are buffered whole (ResponseContentRead): the buffer limit bounds what a broken agent can make us hold.
        var http = new HttpClient(handler) { BaseAddress = _options.Endpoint, Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = _options.MaxResponseBytes };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        return http;
    }

    /// <summary>The TCP connection, within <see cref="ClusterAgentClientOptions.ConnectTimeout"/>.</summary>
    private async ValueTask<Stream> DialAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        // Dual-mode: an IPv4 or IPv6 address, or a name resolved to either.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var dial = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        dial.CancelAfter(_options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, dial.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no TCP connection within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The Datadog node agent's default (InsecureSkipVerify): cluster agents serve self-signed certificates
    // unless a trust chain is configured. The bearer token still authenticates the node agent.
    private static bool AcceptAny(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => true;

    public void Dispose()
    {
        _http?.Dispose();
        _gate.Dispose();
    }
}

/// <summary>A failed call to the cluster agent: the route, and the HTTP status when there was an answer.</summary>
public sealed class ClusterAgentException(string message, int? status, Exception? inner = null) : Exception(message, inner)
{
    public int? Status { get; } = status;

    /// <summary>How long the cluster agent asked to wait (<c>Retry-After</c> of a 429 or 503), when it did.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
