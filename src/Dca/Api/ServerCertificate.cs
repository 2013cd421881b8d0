using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dca.Kubernetes.Config;

namespace Dca.Api;

/// <summary>
/// The HTTPS ports' TLS certificate: from PEM files when given (re-read when they change, see
/// <see cref="ServerCertificateSource"/>), else generated at start. Like Datadog's (PROTOCOL.md §1.1) the
/// generated one is self-signed and node agents do not verify it by default (trust is the bearer token); its
/// SANs cover localhost, 127.0.0.1, the pod IP and the Service's DNS names so that clients that do verify can
/// pin it. ECDSA P-256 rather than RSA-2048: generated in about a millisecond, which keeps start-up fast.
/// </summary>
internal static class ServerCertificate
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// The pair PEM texts hold: the first certificate of <paramref name="certificatePem"/> with the key, the
    /// others (cert-manager's tls.crt carries the issuing chain) sent with it as intermediates.
    /// </summary>
    /// <exception cref="InvalidDataException">The texts do not hold a usable pair; the message holds no key material.</exception>
    public static ServedCertificate FromPem(string certificatePem, string keyPem)
    {
        try
        {
            var certificate = CertificateLoader.FromPem(certificatePem, keyPem, "the API certificate");
            // Kestrel checks this of the certificate it is given at start, not of the ones swapped in later.
            var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
            if (usages is not null && !usages.EnhancedKeyUsages.Cast<Oid>().Any(u => u.Value == ServerAuthentication))
            {
                throw new InvalidDataException($"the certificate {certificate.Subject} is not for server authentication (its extended key usage lacks {ServerAuthentication})");
            }
            var all = new X509Certificate2Collection();
            all.ImportFromPem(certificatePem);
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < all.Count; i++)
            {
                intermediates.Add(all[i]);
            }
            return ServedCertificate.Create(certificate, intermediates);
        }
        catch (Exception ex) when (ex is KubeConfigException or CryptographicException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    public static X509Certificate2 Generate(string serviceName, string? ns, IPAddress? podIp, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dca, O=Cluster Agent", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        if (podIp is not null)
        {
            san.AddIpAddress(podIp);
        }
        san.AddDnsName(serviceName);
        if (ns is { Length: > 0 })
        {
            san.AddDnsName($"{serviceName}.{ns}");
            san.AddDnsName($"{serviceName}.{ns}.svc");
            san.AddDnsName($"{serviceName}.{ns}.svc.cluster.local");
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
