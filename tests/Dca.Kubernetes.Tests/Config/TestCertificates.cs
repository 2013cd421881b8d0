using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Throwaway self-signed certificates with their PEM text, for CA bundles and client certificates.</summary>
internal sealed class TestCertificates
{
    // Fixed validity: time is a dependency, and these certificates are only parsed, never validated by date.
    private static readonly DateTimeOffset s_notBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_notAfter = new(2035, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private TestCertificates(X509Certificate2 certificate, string certificatePem, string keyPem)
    {
        Certificate = certificate;
        CertificatePem = certificatePem;
        KeyPem = keyPem;
    }

    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    public string KeyPem { get; }

    public string CertificatePemBase64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(CertificatePem));

    public string KeyPemBase64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(KeyPem));

    public static TestCertificates Create(string commonName, bool isCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        var certificate = request.CreateSelfSigned(s_notBefore, s_notAfter);
        return new TestCertificates(certificate, certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
