using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dca.Sim.Tls;

/// <summary>
/// A throwaway certificate authority made at start (ECDSA P-256: cheap enough to sign a
/// certificate per simulated kubelet on first connection). Its PEM goes into the kubeconfig as
/// <c>certificate-authority-data</c>.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;
    private readonly ConcurrentDictionary<string, X509Certificate2> _issued = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _notBefore;

    public CertificateAuthority(TimeProvider time, string commonName = "dca-sim-ca")
    {
        _notBefore = time.GetUtcNow().AddDays(-1);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(_notBefore, _notBefore.AddYears(2));
    }

    /// <summary>The CA certificate (PEM), for kubeconfigs and clients' trust.</summary>
    public string CertificatePem => _ca.ExportCertificatePem();

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Certificate => _ca;

    /// <summary>A server certificate for these names and addresses, issued once and cached.</summary>
    public X509Certificate2 Issue(string commonName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses)
    {
        var key = commonName + "|" + string.Join(',', dnsNames) + "|" + string.Join(',', addresses);
        return _issued.GetOrAdd(key, _ => Create(commonName, dnsNames, addresses));
    }

    /// <summary>A client certificate (client-authentication usage) for <paramref name="commonName"/>, issued once and cached.</summary>
    public X509Certificate2 IssueClient(string commonName) => _issued.GetOrAdd("client|" + commonName, _ => Create(commonName, [], [], client: true));

    private X509Certificate2 Create(string commonName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, bool client = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }
        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }
        if (dnsNames.Count + addresses.Count > 0)
        {
            request.CertificateExtensions.Add(san.Build());
        }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var signed = request.Create(_ca, _notBefore, _notBefore.AddYears(1), serial);
        return signed.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        foreach (var cert in _issued.Values)
        {
            cert.Dispose();
        }
        _ca.Dispose();
        _caKey.Dispose();
    }
}
