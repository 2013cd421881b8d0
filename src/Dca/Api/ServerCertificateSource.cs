using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dca.Hosting;
using Dca.Telemetry;

namespace Dca.Api;

/// <summary>
/// The certificate the HTTPS ports present, swapped without a restart when its PEM files change. Handshakes read
/// <see cref="Current"/> (one volatile read); one writer at a time re-reads the files, on a change seen in their
/// directories (<see cref="StartAsync"/>) and on every poll tick, and publishes a new pair with one swap. A pair
/// that does not load (half written, garbage, a key of another certificate) leaves the previous one served: the
/// failure is logged and counted once per content, and tried again when the files change again. Connections
/// keep the certificate they were opened with.
/// </summary>
internal sealed partial class ServerCertificateSource
{
    /// <summary>The fingerprint of files that could not be read (missing mid-swap, no permission).</summary>
    private static readonly byte[] Unreadable = [];

    private readonly string? _certificatePath;
    private readonly string? _keyPath;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _reloadGate = new();
    private volatile ServedCertificate _current;
    private byte[]? _fingerprint;
    private long _reloaded;
    private long _failed;

    private ServerCertificateSource(ServedCertificate initial, string? certificatePath, string? keyPath, byte[]? fingerprint,
        TimeSpan pollInterval, TimeProvider time, ILogger logger)
    {
        _current = initial;
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _fingerprint = fingerprint;
        _pollInterval = pollInterval;
        _time = time;
        _logger = logger;
    }

    /// <summary>The certificate new handshakes present.</summary>
    public ServedCertificate Current => _current;

    /// <summary>Certificate file changes that swapped a new pair in.</summary>
    public long Reloaded => Interlocked.Read(ref _reloaded);

    /// <summary>Certificate file changes that left the previous pair served.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// A certificate read from PEM files, re-read when they change and every <paramref name="pollInterval"/> (even
    /// when no change was seen in their directories); a pair that does not load at start stops the start.
    /// </summary>
    public static ServerCertificateSource FromFiles(string certificatePath, string keyPath, TimeSpan pollInterval, TimeProvider time,
        ILogger<ServerCertificateSource> logger)
    {
        ServedCertificate served;
        byte[] fingerprint;
        try
        {
            var (hash, certificatePem, keyPem) = Read(certificatePath, keyPath);
            fingerprint = hash;
            served = ServerCertificate.FromPem(certificatePem, keyPem);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new OptionException(
                $"invalid DD_CLUSTER_AGENT_TLS_CERT_FILE/DD_CLUSTER_AGENT_TLS_KEY_FILE ({certificatePath}, {keyPath}): {ex.Message}");
        }
        var source = new ServerCertificateSource(served, certificatePath, keyPath, fingerprint, pollInterval, time, logger);
        Log.Serving(logger, served.Certificate.Subject, served.Certificate.NotAfter.ToUniversalTime(), served.Certificate.Thumbprint, certificatePath);
        return source;
    }

    /// <summary>A certificate that never changes (the generated one).</summary>
    public static ServerCertificateSource Fixed(X509Certificate2 certificate, TimeProvider time, ILogger<ServerCertificateSource> logger) =>
        new(ServedCertificate.Create(certificate), null, null, null, Timeout.InfiniteTimeSpan, time, logger);

    /// <summary>Re-reads the files and swaps their pair in when their content changed and loads; true when it did.</summary>
    public bool Reload()
    {
        if (_certificatePath is null || _keyPath is null)
        {
            return false;
        }
        lock (_reloadGate)
        {
            string certificatePem, keyPem;
            byte[] fingerprint;
            try
            {
                (fingerprint, certificatePem, keyPem) = Read(_certificatePath, _keyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (!ReferenceEquals(_fingerprint, Unreadable))
                {
                    _fingerprint = Unreadable;
                    Fail(ex.Message);
                }
                return false;
            }
            if (_fingerprint is not null && CryptographicOperations.FixedTimeEquals(fingerprint, _fingerprint))
            {
                return false;
            }
            _fingerprint = fingerprint;
            ServedCertificate next;
            try
            {
                next = ServerCertificate.FromPem(certificatePem, keyPem);
            }
            catch (InvalidDataException ex)
            {
                Fail(ex.Message);
                return false;
            }
            _current = next;
            Interlocked.Increment(ref _reloaded);
            Log.Reloaded(_logger, next.Certificate.Subject, next.Certificate.NotAfter.ToUniversalTime(), next.Certificate.Thumbprint, _certificatePath);
            return true;
        }
    }

    /// <summary>Writes the reload counters and the served certificate's expiry.</summary>
    public void Collect(MetricsWriter writer)
    {
        const string Reloads = "dca_tls_certificate_reloads_total";
        const string ReloadsHelp = "Changes of the TLS certificate files: ok swapped the new pair in, error kept the previous one served.";
        writer.Counter(Reloads, ReloadsHelp, Reloaded, "result=\"ok\"");
        writer.Counter(Reloads, ReloadsHelp, Failed, "result=\"error\"");
        writer.Gauge("dca_tls_certificate_expiry_timestamp_seconds", "When the certificate new TLS handshakes present expires (Unix time).",
            new DateTimeOffset(_current.Certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds());
    }

    private void Fail(string reason)
    {
        Interlocked.Increment(ref _failed);
        Log.ReloadFailed(_logger, _certificatePath!, _keyPath!, reason, _current.Certificate.Thumbprint);
    }

    /// <summary>Both files' text, and a digest of their bytes that tells a change without keeping the key around.</summary>
    private static (byte[] Fingerprint, string CertificatePem, string KeyPem) Read(string certificatePath, string keyPath)
    {
        // Through the symlinks: a Secret volume's tls.crt is ..data/tls.crt, and ..data is swapped as a whole.
        var certificate = File.ReadAllBytes(certificatePath);
        var key = File.ReadAllBytes(keyPath);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(length, certificate.Length);
            hash.AppendData(length);
            hash.AppendData(certificate);
            hash.AppendData(key);
            return (hash.GetHashAndReset(), Encoding.UTF8.GetString(certificate), Encoding.UTF8.GetString(key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
