using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 11, TLS: sslscan (the Debian package) against the native <c>dca</c>'s two HTTPS ports, the node-agent
/// API and the external metrics API. By default TLS 1.3 only; with <c>DD_CLUSTER_AGENT_ALLOW_LEGACY_TLS</c> TLS 1.2
/// too, but only with forward secrecy and authenticated encryption. Never compression nor insecure renegotiation.
/// </summary>
public sealed partial class TlsScanTests
{
    /// <summary>The TLS 1.3 suites (all AEAD) OpenSSL may offer.</summary>
    private static readonly HashSet<string> Tls13Suites =
        ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"];

    [Fact]
    public async Task Scan_DefaultSettings_OnlyTls13WithAeadSuitesOnBothPorts()
    {
        foreach (var scan in await ScanBothPortsAsync(legacyTls: false))
        {
            Assert.Equal(["tls 1.3"], scan.EnabledProtocols);
            Assert.NotEmpty(scan.Suites);
            Assert.All(scan.Suites, s => Assert.True(s.Version == "TLSv1.3" && Tls13Suites.Contains(s.Name), $"port {scan.Port}: {s.Version} {s.Name}"));
            AssertNoCompressionNorInsecureRenegotiation(scan);
        }
    }

    [Fact]
    public async Task Scan_LegacyTlsAllowed_Tls12WithOnlyEcdheAeadSuitesOnBothPorts()
    {
        foreach (var scan in await ScanBothPortsAsync(legacyTls: true))
        {
            Assert.Equal(["tls 1.2", "tls 1.3"], scan.EnabledProtocols);
            Assert.Contains(scan.Suites, s => s.Version == "TLSv1.2");
            Assert.All(scan.Suites, s => Assert.True(
                s.Version == "TLSv1.3" ? Tls13Suites.Contains(s.Name) : s.Version == "TLSv1.2" && StrongTls12Suite().IsMatch(s.Name),
                $"port {scan.Port}: {s.Version} {s.Name}"));
            AssertNoCompressionNorInsecureRenegotiation(scan);
        }
    }

    /// <summary>OpenSSL's names of the TLS 1.2 suites with ECDHE key exchange and AES-GCM or ChaCha20-Poly1305.</summary>
    [GeneratedRegex("^ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$")]
    private static partial Regex StrongTls12Suite();

    /// <summary>
    /// Debian's sslscan is built without zlib and so reports no compression test ("OpenSSL version does not support
    /// compression"); TLS 1.3 has no compression, and the server's OpenSSL 3 never negotiates it over TLS 1.2.
    /// </summary>
    private static void AssertNoCompressionNorInsecureRenegotiation(Scan scan)
    {
        Assert.False(scan.Compression, $"port {scan.Port}: TLS compression (CRIME)");
        Assert.False(scan.InsecureRenegotiation, $"port {scan.Port}: insecure renegotiation");
        Assert.False(scan.Heartbleed, $"port {scan.Port}: heartbleed");
    }

    private static async Task<IReadOnlyList<Scan>> ScanBothPortsAsync(bool legacyTls)
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var externalPort = FreePort.Next();
        await using var dca = DcaReplica.Start(cluster, "dca-0", 4, new Dictionary<string, string>
        {
            ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
            ["DD_EXTERNAL_METRICS_PROVIDER_PORT"] = externalPort.ToString(CultureInfo.InvariantCulture),
            ["DD_CLUSTER_AGENT_ALLOW_LEGACY_TLS"] = legacyTls ? "true" : "false",
        });
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return (await dca.Metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Length > 0;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "dca to listen", TimeSpan.FromSeconds(30));
        return [Run(dca.CommandPort), Run(externalPort)];
    }

    /// <summary>Runs sslscan against a loopback port and reads its XML report.</summary>
    private static Scan Run(int port)
    {
        var (code, stdout, stderr) = Manifests.Run("sslscan", ["--no-colour", "--xml=-", $"127.0.0.1:{port}"]);
        Assert.True(code == 0, $"sslscan failed ({code}): {stderr}");
        var test = XDocument.Parse(stdout[stdout.IndexOf('<', StringComparison.Ordinal)..]).Root!.Element("ssltest")
            ?? throw new InvalidOperationException($"sslscan reported no test of port {port}: {stdout}");
        return new Scan(
            port,
            [.. test.Elements("protocol").Where(p => (string?)p.Attribute("enabled") == "1").Select(p => $"{(string?)p.Attribute("type")} {(string?)p.Attribute("version")}")],
            [.. test.Elements("cipher").Select(c => ((string)c.Attribute("sslversion")!, (string)c.Attribute("cipher")!))],
            test.Elements("compression").Any(c => (string?)c.Attribute("supported") == "1"),
            test.Elements("renegotiation").Any(r => (string?)r.Attribute("supported") == "1" && (string?)r.Attribute("secure") != "1"),
            test.Elements("heartbleed").Any(h => (string?)h.Attribute("vulnerable") == "1"));
    }

    private sealed record Scan(int Port, IReadOnlyList<string> EnabledProtocols, IReadOnlyList<(string Version, string Name)> Suites,
        bool Compression, bool InsecureRenegotiation, bool Heartbleed);
}
