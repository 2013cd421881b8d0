using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dca.Kubernetes.Config;

namespace Dca.Api;

/// <summary>
/// The node-agent API's TLS certificate: from PEM files when given, else generated at start. Like
/// Datadog's (PROTOCOL.md §1.1) the generated one is self-signed and node agents do not verify it by
/// default (trust is the bearer token); its SANs cover localhost, 127.0.0.1, the pod IP and the
/// Service's DNS names so that clients that do verify can pin it. ECDSA P-256 rather than RSA-2048:
/// generated in about a millisecond, which keeps start-up fast.
/// </summary>
internal static class ServerCertificate
{
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        try
        {
            return CertificateLoader.FromPem(File.ReadAllText(certificatePath), File.ReadAllText(keyPath), "the API certificate");
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new Hosting.OptionException(
                $"invalid DD_CLUSTER_AGENT_TLS_CERT_FILE/DD_CLUSTER_AGENT_TLS_KEY_FILE ({certificatePath}, {keyPath}): {ex.Message}");
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
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
