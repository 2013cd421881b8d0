using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Dca.Tests.Hostile;

/// <summary>An HTTP/1.1 answer as it came off the wire.</summary>
internal sealed record RawResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// Requests written byte for byte over TCP (TLS on the HTTPS ports): <see cref="HttpClient"/> normalizes paths, escapes
/// and methods, which is exactly what these tests must not do. One request per connection (<c>Connection: close</c>).
/// </summary>
internal static class RawHttp
{
    /// <summary>The longest answer read; a bigger one fails the test (no route should answer that much to these requests).</summary>
    private const int MaxResponse = 4 << 20;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A request: <paramref name="target"/> as written on the request line, the headers given (Host and Connection added).</summary>
    public static byte[] Request(string method, string target, IEnumerable<string>? headers = null, int contentLength = -1)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        foreach (var header in headers ?? [])
        {
            head.Append(header).Append("\r\n");
        }
        if (contentLength >= 0)
        {
            head.Append("Content-Length: ").Append(contentLength).Append("\r\n");
        }
        head.Append("\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>Sends <paramref name="head"/> then <paramref name="body"/> and reads the answer; the server may answer before reading the body.</summary>
    public static async Task<RawResponse> SendAsync(int port, bool tls, byte[] head, Stream? body = null, X509Certificate2? clientCertificate = null)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
        Stream stream = tcp.GetStream();
        if (tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            }, timeout.Token);
            stream = ssl;
        }
        await using (stream)
        {
            var send = SendBodyAsync(stream, head, body, timeout.Token);
            var answer = new MemoryStream();
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    answer.Write(buffer, 0, read);
                    if (answer.Length > MaxResponse)
                    {
                        throw new InvalidOperationException($"the answer is larger than {MaxResponse} bytes");
                    }
                }
            }
            catch (IOException) when (answer.Length > 0)
            {
                // The server reset the connection after answering (it did not read the whole body): the answer stands.
            }
            await send;
            return Parse(answer.ToArray());
        }
    }

    /// <summary><paramref name="body"/> in 64 KiB chunks (<c>Transfer-Encoding: chunked</c>), to send without a length.</summary>
    public static MemoryStream Chunked(byte[] body)
    {
        var stream = new MemoryStream();
        const int Chunk = 64 * 1024;
        for (var at = 0; at < body.Length; at += Chunk)
        {
            var length = Math.Min(Chunk, body.Length - at);
            stream.Write(Encoding.ASCII.GetBytes(length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
            stream.Write(body, at, length);
            stream.Write("\r\n"u8);
        }
        stream.Write("0\r\n\r\n"u8);
        stream.Position = 0;
        return stream;
    }

    private static async Task SendBodyAsync(Stream stream, byte[] head, Stream? body, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(head, cancellationToken);
            if (body is not null)
            {
                await body.CopyToAsync(stream, 64 * 1024, cancellationToken);
            }
            await stream.FlushAsync(cancellationToken);
        }
        catch (IOException)
        {
            // Refused before the body was read: the server closed the connection under our feet, as it may.
        }
    }

    private static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"no HTTP answer (connection closed after {bytes.Length} bytes)");
        }
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => (p[0].Trim(), p.Length > 1 ? p[1].Trim() : "")).ToList();
        var rest = bytes.AsSpan(end + 4);
        var chunked = headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Item2.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var body = chunked ? Dechunk(rest) : rest.ToArray();
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> data)
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = data.IndexOf("\r\n"u8);
            if (line <= 0)
            {
                break;
            }
            var size = Convert.ToInt32(Encoding.ASCII.GetString(data[..line]).Split(';')[0].Trim(), 16);
            if (size == 0 || data.Length < line + 2 + size)
            {
                break;
            }
            body.Write(data.Slice(line + 2, size));
            data = data[Math.Min(data.Length, line + 2 + size + 2)..];
        }
        return body.ToArray();
    }
}
