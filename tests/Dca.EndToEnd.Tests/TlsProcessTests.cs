using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 11, TLS, with the native binaries: the certificate files of both HTTPS ports (the node-agent API and the
/// external metrics API) are swapped as the kubelet updates a Secret volume, and new handshakes present the new
/// pair without a restart, while a connection opened before keeps working. What sslscan sees: TlsScanTests.
/// </summary>
public sealed class TlsProcessTests
{
    [Fact]
    public async Task CertificateFiles_SecretVolumeSwapped_NewHandshakesPresentNewPairAndOpenConnectionsKeepWorking()
    {
        using var a = TestCertificates.Server("dca-a");
        using var b = TestCertificates.Server("dca-b");
        using var volume = new SecretVolume(Files(a));
        await using var cluster = await SimulatedCluster.StartAsync();
        var externalPort = FreePort.Next();
        await using var dca = DcaReplica.Start(cluster, "dca-0", 4, new Dictionary<string, string>
        {
            ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = externalPort.ToString(CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_TLS_CERT_FILE"] = volume.PathOf("tls.crt"),
            ["DD_CLUSTER_AGENT_TLS_KEY_FILE"] = volume.PathOf("tls.key"),
        });
        int[] ports = [dca.CommandPort, externalPort];
        await Wait.UntilAsync(async () => await TryThumbprintAsync(dca.CommandPort) is not null && await TryThumbprintAsync(externalPort) is not null,
            "both HTTPS ports to listen", TimeSpan.FromSeconds(30));
        foreach (var port in ports)
        {
            Assert.Equal(a.Thumbprint, await TryThumbprintAsync(port));
        }

        // A keep-alive connection to the node-agent API, opened with A: one handshake, then requests on it.
        var handshakes = 0;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            Interlocked.Increment(ref handshakes);
            return true;
        };
        using var api = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{dca.CommandPort}") };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClusterAgentProcessTests.Token);
        (await api.GetAsync(new Uri("/version", UriKind.Relative))).EnsureSuccessStatusCode();

        // Half an update (the key of another certificate): A stays, the failure is counted.
        using (var c = TestCertificates.Server("dca-c"))
        {
            volume.Publish(new Dictionary<string, string> { ["tls.crt"] = TestCertificates.Pem(b).Certificate, ["tls.key"] = TestCertificates.Pem(c).Key });
        }
        await Wait.UntilAsync(async () => (await MetricsAsync(dca)).Contains("dca_tls_certificate_reloads_total{result=\"error\"} 1\n", StringComparison.Ordinal),
            "the broken pair to be counted", TimeSpan.FromSeconds(30));
        foreach (var port in ports)
        {
            Assert.Equal(a.Thumbprint, await TryThumbprintAsync(port));
        }

        // The whole pair: new handshakes on both ports present B.
        volume.Publish(Files(b));
        await Wait.UntilAsync(async () => await TryThumbprintAsync(dca.CommandPort) == b.Thumbprint && await TryThumbprintAsync(externalPort) == b.Thumbprint,
            "new handshakes on both ports to present B", TimeSpan.FromSeconds(30));

        // The connection opened with A still answers, without a new handshake; the process never restarted.
        (await api.GetAsync(new Uri("/version", UriKind.Relative))).EnsureSuccessStatusCode();
        Assert.Equal(1, handshakes);
        Assert.False(dca.Process.HasExited);
        var metrics = await MetricsAsync(dca);
        Assert.Contains("dca_tls_certificate_reloads_total{result=\"ok\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"dca_tls_certificate_expiry_timestamp_seconds {new DateTimeOffset(b.NotAfter.ToUniversalTime()).ToUnixTimeSeconds()}\n", metrics, StringComparison.Ordinal);
        var logs = string.Join('\n', dca.Process.Stderr);
        Assert.Contains(b.Thumbprint, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", logs, StringComparison.Ordinal);

        // The native binary's runtime lets OpenSSL free idle connections' record buffers (IdleTlsBuffers, issue 4).
        var released = System.Text.RegularExpressions.Regex.Match(metrics, @"^dca_tls_idle_buffers_released_total (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(released.Success && long.Parse(released.Groups[1].Value, CultureInfo.InvariantCulture) > 0, metrics);
        Assert.DoesNotContain("keep their OpenSSL buffers", logs, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Files(X509Certificate2 certificate)
    {
        var (pem, key) = TestCertificates.Pem(certificate);
        return new() { ["tls.crt"] = pem, ["tls.key"] = key };
    }

    private static Task<string> MetricsAsync(DcaReplica dca) => dca.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    /// <summary>The thumbprint a new TLS 1.3 handshake on <paramref name="port"/> presents, or null when the port does not answer yet.</summary>
    private static async Task<string?> TryThumbprintAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            string? thumbprint = null;
            await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            {
                thumbprint = certificate?.GetCertHashString();
                return true;
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls13 })
                .WaitAsync(TimeSpan.FromSeconds(10));
            return thumbprint;
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException)
        {
            return null;
        }
    }
}
