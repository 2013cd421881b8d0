using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dca.Api;
using Dca.Hosting;
using Dca.Telemetry;
using Dca.Testing;
using Microsoft.Extensions.Logging;

namespace Dca.Tests.Api;

/// <summary>
/// ISSUE 11: certificate files re-read without a restart. The files live in a temporary directory (plain, or laid
/// out as a Secret volume); the poll runs on a manual clock, so each test says when a re-read happens.
/// </summary>
public sealed class ServerCertificateSourceTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("dca-tls-").FullName;
    private readonly X509Certificate2 _a = TestCertificates.Server("dca-a");
    private readonly X509Certificate2 _b = TestCertificates.Server("dca-b");
    private readonly ManualTimeProvider _time = new();
    private readonly RecordingLogger<ServerCertificateSource> _logger = new();

    private string CertificatePath => Path.Combine(_directory, "tls.crt");

    private string KeyPath => Path.Combine(_directory, "tls.key");

    [Fact]
    public void FromFiles_ValidPair_ServesItAndLogsItsThumbprint()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);

        Assert.Equal(_a.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.True(source.Current.Certificate.HasPrivateKey);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains(_a.Thumbprint, StringComparison.Ordinal));
    }

    [Fact]
    public void FromFiles_KeyOfAnotherCertificate_ThrowsOptionExceptionNamingTheOptions()
    {
        File.WriteAllText(CertificatePath, TestCertificates.Pem(_a).Certificate);
        File.WriteAllText(KeyPath, TestCertificates.Pem(_b).Key);

        var ex = Assert.Throws<OptionException>(() => ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger));

        Assert.Contains("DD_CLUSTER_AGENT_TLS_CERT_FILE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poll_FilesReplaced_NewPairServedAndCounted()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, TimeSpan.FromHours(1), _time, _logger);
        await source.StartAsync(CancellationToken.None);
        var before = source.Current;

        Write(_b);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(_b.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.NotSame(before, source.Current);
        Assert.Equal(1, source.Reloaded);
        Assert.Equal(0, source.Failed);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("reloaded", StringComparison.Ordinal)
            && e.Message.Contains(_b.Thumbprint, StringComparison.Ordinal) && e.Message.Contains("CN=dca-b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Poll_UnchangedFiles_NothingReloaded()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);
        await source.StartAsync(CancellationToken.None);
        var before = source.Current;

        _time.Advance(Poll);
        _time.Advance(Poll);

        Assert.Same(before, source.Current);
        Assert.Equal(0, source.Reloaded + source.Failed);
    }

    [Fact]
    public void Reload_CertificateWrittenKeyNotYet_KeepsOldPairWarnsOnceThenSwapsWhenKeyArrives()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);
        var (certificateB, keyB) = TestCertificates.Pem(_b);

        File.WriteAllText(CertificatePath, certificateB);
        Assert.False(source.Reload());
        Assert.False(source.Reload());

        Assert.Equal(_a.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.Equal(1, source.Failed);
        var warning = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(_a.Thumbprint, warning.Message, StringComparison.Ordinal);

        File.WriteAllText(KeyPath, keyB);
        Assert.True(source.Reload());
        Assert.Equal(_b.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.Equal(1, source.Reloaded);
    }

    [Fact]
    public void Reload_Garbage_KeepsOldPairAndLogsNoKeyMaterial()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);
        var keyA = TestCertificates.Pem(_a).Key;

        File.WriteAllText(CertificatePath, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        Assert.False(source.Reload());
        File.WriteAllText(CertificatePath, "");
        Assert.False(source.Reload());

        Assert.Equal(_a.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.Equal(2, source.Failed);
        var keyBody = keyA.Split('\n')[1];
        Assert.All(_logger.Entries, e =>
        {
            Assert.DoesNotContain("PRIVATE KEY", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(keyBody, e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Reload_FileMissing_KeepsOldPairCountsOnceAndRecovers()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);

        File.Delete(KeyPath);
        Assert.False(source.Reload());
        Assert.False(source.Reload());
        Assert.Equal(1, source.Failed);

        Write(_b);
        Assert.True(source.Reload());
        Assert.Equal(_b.Thumbprint, source.Current.Certificate.Thumbprint);
    }

    [Fact]
    public async Task Poll_SecretVolumeDataSymlinkSwapped_NewPairServed()
    {
        using var volume = Volume(_a);
        using var source = ServerCertificateSource.FromFiles(volume.PathOf("tls.crt"), volume.PathOf("tls.key"), Poll, _time, _logger);
        await source.StartAsync(CancellationToken.None);

        volume.Publish(Files(_b));
        _time.Advance(Poll);

        Assert.Equal(_b.Thumbprint, source.Current.Certificate.Thumbprint);
        Assert.Equal(1, source.Reloaded);
    }

    [Fact]
    public async Task Watch_SecretVolumeDataSymlinkSwapped_ReadWithoutWaitingForThePoll()
    {
        using var volume = Volume(_a);
        // A poll that never comes within the test: only the directory watch can see the change.
        using var source = ServerCertificateSource.FromFiles(volume.PathOf("tls.crt"), volume.PathOf("tls.key"), TimeSpan.FromHours(1), _time, _logger);
        await source.StartAsync(CancellationToken.None);

        volume.Publish(Files(_b));

        // The watch's event arrives on its own thread and arms the settle timer; the manual clock then fires it.
        await Wait.UntilAsync(() =>
        {
            _time.Advance(ServerCertificateSource.Settle);
            return source.Current.Certificate.Thumbprint == _b.Thumbprint;
        }, "the swapped pair to be served", TimeSpan.FromSeconds(10));
        Assert.True(_time.GetUtcNow() < new ManualTimeProvider().GetUtcNow().AddHours(1), "read before any poll");
    }

    [Fact]
    public async Task Stop_ThenFilesReplaced_NoLongerReread()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);
        await source.StartAsync(CancellationToken.None);
        await source.StopAsync(CancellationToken.None);

        Write(_b);
        _time.Advance(Poll);

        Assert.Equal(_a.Thumbprint, source.Current.Certificate.Thumbprint);
    }

    [Fact]
    public void FromPem_CertificateFollowedByItsIssuer_SendsTheIssuerAsIntermediate()
    {
        // root -> intermediate -> leaf; the file holds the leaf and the intermediate, as cert-manager writes tls.crt.
        using var root = TestCertificates.Authority("dca-root");
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dca-intermediate", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var signed = request.Create(root, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), [1, 2, 3, 4]);
        using var intermediate = signed.CopyWithPrivateKey(intermediateKey);
        using var leaf = TestCertificates.Server("dca-leaf", intermediate);
        var (certificate, key) = TestCertificates.Pem(leaf, intermediate);

        var served = ServerCertificate.FromPem(certificate, key);

        Assert.Equal(leaf.Thumbprint, served.Certificate.Thumbprint);
        Assert.Contains(served.Context.IntermediateCertificates, c => c.Thumbprint == intermediate.Thumbprint);
    }

    [Fact]
    public void FromPem_ClientAuthenticationCertificate_Refused()
    {
        using var client = TestCertificates.Client("not-a-server", null);
        using var key = client.GetECDsaPrivateKey()!;

        var ex = Assert.Throws<InvalidDataException>(() => ServerCertificate.FromPem(client.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem()));

        Assert.Contains("server authentication", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_AfterOneGoodAndOneBadChange_WritesCountersAndExpiry()
    {
        Write(_a);
        using var source = ServerCertificateSource.FromFiles(CertificatePath, KeyPath, Poll, _time, _logger);
        Write(_b);
        source.Reload();
        File.WriteAllText(KeyPath, "garbage");
        source.Reload();

        var text = new StringBuilder();
        source.Collect(new MetricsWriter(text));

        var metrics = text.ToString();
        Assert.Contains("dca_tls_certificate_reloads_total{result=\"ok\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("dca_tls_certificate_reloads_total{result=\"error\"} 1\n", metrics, StringComparison.Ordinal);
        var expiry = new DateTimeOffset(_b.NotAfter.ToUniversalTime()).ToUnixTimeSeconds();
        Assert.Contains($"dca_tls_certificate_expiry_timestamp_seconds {expiry}\n", metrics, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static Dictionary<string, string> Files(X509Certificate2 certificate)
    {
        var (pem, key) = TestCertificates.Pem(certificate);
        return new() { ["tls.crt"] = pem, ["tls.key"] = key };
    }

    private static SecretVolume Volume(X509Certificate2 certificate) => new(Files(certificate));

    private void Write(X509Certificate2 certificate)
    {
        var (pem, key) = TestCertificates.Pem(certificate);
        File.WriteAllText(CertificatePath, pem);
        File.WriteAllText(KeyPath, key);
    }
}
