using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Dca.Api;
using Dca.Testing;

namespace Dca.Tests.Api;

/// <summary>
/// ISSUE 4, memory while serving: OpenSSL frees an idle TLS connection's record buffers (~34 KB) once the cluster
/// agent has set <c>SSL_MODE_RELEASE_BUFFERS</c> on it, which it reaches through the runtime's private members. If a
/// runtime update moves them, this fails here (the test runner's runtime) and in TlsProcessTests (the native binary's).
/// </summary>
public sealed class IdleTlsBuffersTests
{
    private const long ReleaseBuffers = 0x10;

    [Fact]
    public async Task TryRelease_ServerStreamAfterHandshake_SetsReleaseBuffersAndTheConnectionStillWorks()
    {
        using var certificate = TestCertificates.Server("localhost");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync().WithTimeout();
        await connect.WithTimeout();
        await using var server = new SslStream(accepted.GetStream());
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = SslProtocols.Tls13 }),
            tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls13 })).WithTimeout();

        Assert.Null(IdleTlsBuffers.Unavailable);
        Assert.Equal(0, IdleTlsBuffers.Mode(server)!.Value & ReleaseBuffers);
        var released = IdleTlsBuffers.Released;

        Assert.True(IdleTlsBuffers.TryRelease(server));

        Assert.Equal(ReleaseBuffers, IdleTlsBuffers.Mode(server)!.Value & ReleaseBuffers);
        Assert.True(IdleTlsBuffers.Released > released);
        // Records both ways after the buffers were given up: they are allocated again as needed.
        var request = new byte[40_000];
        Random.Shared.NextBytes(request);
        await tls.WriteAsync(request).AsTask().WithTimeout();
        var received = new byte[request.Length];
        await server.ReadExactlyAsync(received).AsTask().WithTimeout();
        Assert.Equal(request, received);
        await server.WriteAsync(received).AsTask().WithTimeout();
        await tls.ReadExactlyAsync(request).AsTask().WithTimeout();
        Assert.Equal(received, request);
    }
}
