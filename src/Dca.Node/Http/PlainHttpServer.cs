using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dca.Node.Http;

/// <summary>What a route answers: status, content type, and a body writer (null: no body).</summary>
internal readonly record struct PlainResponse(int Status, string ContentType, Func<Stream, CancellationToken, Task>? Body)
{
    public static PlainResponse Text(int status, string text) =>
        new(status, "text/plain; charset=utf-8", (s, ct) => s.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask());
}

/// <summary>
/// The node agent's plain-HTTP ports (health probes and <c>/metrics</c>): HTTP/1.1 GET and HEAD, one
/// request per connection (<c>Connection: close</c>), answered from a route function. The node agent
/// serves nothing else over HTTP, and an HTTP server framework costs megabytes of resident memory on
/// every node; this is a few hundred lines of the protocol's simplest subset. Request heads are limited
/// to 8 KB and 10 s, and at most 64 connections are served at once (more are closed at once), so a slow
/// or hostile client cannot hold memory.
/// </summary>
internal sealed partial class PlainHttpServer(ILogger<PlainHttpServer> logger) : IAsyncDisposable
{
    public const int MaxHeadBytes = 8 * 1024;
    public const int MaxConnections = 64;
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    private readonly List<TcpListener> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private int _disposed;

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> and answers with <paramref name="route"/> (path → response).</summary>
    public string Listen(IPAddress address, int port, Func<string, PlainResponse> route)
    {
        var listener = new TcpListener(address, port);
        listener.Start(512);
        _listeners.Add(listener);
        _loops.Add(Task.Run(() => AcceptAsync(listener, route)));
        var bound = (IPEndPoint)listener.LocalEndpoint;
        return $"http://{(bound.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}";
    }

    private async Task AcceptAsync(TcpListener listener, Func<string, PlainResponse> route)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            if (!_slots.Wait(0))
            {
                socket.Dispose();
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(socket, route);
                }
                finally
                {
                    _slots.Release();
                }
            });
        }
    }

    private async Task ServeAsync(Socket socket, Func<string, PlainResponse> route)
    {
        using var _ = socket;
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(HeadTimeout);
        try
        {
            var head = await ReadHeadAsync(stream, timeout.Token);
            if (head is null)
            {
                await WriteAsync(stream, PlainResponse.Text(400, "bad request: the request head is incomplete or larger than 8 KB\n"), false, timeout.Token);
                await CloseGracefullyAsync(socket, stream);
                return;
            }
            var requestLine = head[..head.IndexOf('\r', StringComparison.Ordinal)].Split(' ');
            if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !requestLine[1].StartsWith('/'))
            {
                await WriteAsync(stream, PlainResponse.Text(400, "bad request: expected \"GET /path HTTP/1.1\"\n"), false, timeout.Token);
                return;
            }
            var (method, target) = (requestLine[0], requestLine[1]);
            if (method is not ("GET" or "HEAD"))
            {
                await WriteAsync(stream, PlainResponse.Text(405, "method not allowed: only GET and HEAD\n"), false, timeout.Token);
                return;
            }
            var query = target.IndexOf('?', StringComparison.Ordinal);
            // Bodies can be long (a busy node's /metrics): no head timeout past this point, only shutdown.
            await WriteAsync(stream, route(query >= 0 ? target[..query] : target), method == "HEAD", _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or was too slow: nothing to answer.
        }
        catch (Exception e)
        {
            Log.Failed(logger, e);
        }
    }

    // Closing with unread input makes the kernel send a reset, and the client may lose the answer:
    // end our side, then read (and drop) what the client still sends, for at most a second and 64 KB.
    private static async Task CloseGracefullyAsync(Socket socket, Stream stream)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var sink = new byte[4096];
        for (var total = 0; total < 64 * 1024;)
        {
            var read = await stream.ReadAsync(sink, limit.Token);
            if (read == 0)
            {
                return;
            }
            total += read;
        }
    }

    /// <summary>The request head up to the blank line, or null when it is malformed or too large.</summary>
    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return null;
            }
            length += read;
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, end + 2);
            }
        }
        return null;
    }

    private static async Task WriteAsync(Stream stream, PlainResponse response, bool headOnly, CancellationToken cancellationToken)
    {
        var head = $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\nContent-Type: {response.ContentType}\r\nConnection: close\r\n"
            + (response.Status == 405 ? "Allow: GET, HEAD\r\n" : "") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        if (!headOnly && response.Body is { } body)
        {
            // Without Content-Length the body ends when the connection closes (RFC 9112 6.3): the body
            // is written as it is produced, never held whole in memory.
            await using var buffered = new BufferedStream(stream, 16 * 1024);
            await body(buffered, cancellationToken);
            await buffered.FlushAsync(cancellationToken);
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Status",
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(730, LogLevel.Error, "HTTP: a request failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
