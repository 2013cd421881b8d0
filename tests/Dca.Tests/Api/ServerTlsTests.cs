using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Dca.Api;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.Api;

/// <summary>
/// ISSUE 11, the HTTPS ports' TLS settings in Kestrel, in-process: the certificate new handshakes present follows
/// <see cref="ServerCertificateSource"/>, and the legacy TLS 1.2 mode refuses CBC suites. The native binaries
/// under sslscan: Dca.EndToEnd.Tests/TlsScanTests.
/// </summary>
public sealed class ServerTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dca-tls-").FullName;
    private readonly X509Certificate2 _a = TestCertificates.Server("dca-a");
    private readonly X509Certificate2 _b = TestCertificates.Server("dca-b");

    [Fact]
    public async Task Handshake_AfterReload_PresentsNewPairWhileOpenConnectionKeepsWorking()
    {
        using var source = Source(_a);
        await using var app = await StartAsync(source, legacyTls: false);
        var handshakes = 0;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1 };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            Interlocked.Increment(ref handshakes);
            return certificate?.GetCertHashString() == _a.Thumbprint;
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://{Address(app)}") };
        Assert.Equal("ok", await client.GetStringAsync(new Uri("/", UriKind.Relative)).WithTimeout());

        Write(_b);
        Assert.True(source.Reload());

        Assert.Equal(_b.Thumbprint, await HandshakeAsync(app, SslProtocols.Tls13).WithTimeout());
        Assert.Equal("ok", await client.GetStringAsync(new Uri("/", UriKind.Relative)).WithTimeout());
        Assert.Equal(1, handshakes);
    }

    [Fact]
    public async Task Handshake_Tls12ByDefault_Refused()
    {
        using var source = Source(_a);
        await using var app = await StartAsync(source, legacyTls: false);

        await Assert.ThrowsAnyAsync<AuthenticationException>(() => HandshakeAsync(app, SslProtocols.Tls12).WithTimeout());
    }

    [Fact]
    public async Task Handshake_LegacyTlsWithCbcSuiteOnly_RefusedButGcmAccepted()
    {
        using var source = Source(_a);
        await using var app = await StartAsync(source, legacyTls: true);

        await Assert.ThrowsAnyAsync<AuthenticationException>(() =>
            HandshakeAsync(app, SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256).WithTimeout());
        Assert.Equal(_a.Thumbprint, await HandshakeAsync(app, SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).WithTimeout());
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<WebApplication> StartAsync(ServerCertificateSource source, bool legacyTls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(https => ServerTls.Configure(https, source, legacyTls))));
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Authority;

    /// <summary>A new handshake: the thumbprint of the certificate presented.</summary>
    private static async Task<string?> HandshakeAsync(WebApplication app, SslProtocols protocols, TlsCipherSuite? only = null)
    {
        var endpoint = IPEndPoint.Parse(Address(app));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint);
        string? thumbprint = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            thumbprint = certificate?.GetCertHashString();
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            CipherSuitesPolicy = only is { } suite && OperatingSystem.IsLinux() ? new CipherSuitesPolicy([suite]) : null,
        });
        return thumbprint;
    }

    private ServerCertificateSource Source(X509Certificate2 certificate)
    {
        Write(certificate);
        return ServerCertificateSource.FromFiles(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"),
            TimeSpan.FromHours(1), TimeProvider.System, NullLogger<ServerCertificateSource>.Instance);
    }

    private void Write(X509Certificate2 certificate)
    {
        var (pem, key) = TestCertificates.Pem(certificate);
        File.WriteAllText(Path.Combine(_directory, "tls.crt"), pem);
        File.WriteAllText(Path.Combine(_directory, "tls.key"), key);
    }
}
