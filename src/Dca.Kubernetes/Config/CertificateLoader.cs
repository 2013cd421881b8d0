using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dca.Kubernetes.Config;

/// <summary>PEM certificates and keys, with errors that name where they came from (a <see cref="KubeConfigException"/>).</summary>
public static class CertificateLoader
{
    public static X509Certificate2Collection CaBundle(string pem, string where)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new KubeConfigException($"{where}: not a PEM certificate bundle: {ex.Message}", ex);
        }
        if (collection.Count == 0)
        {
            throw new KubeConfigException($"{where}: no certificate found in the PEM data");
        }
        return collection;
    }

    public static X509Certificate2 FromPem(string certificatePem, string keyPem, string where)
    {
        try
        {
            using var withKey = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // An ephemeral key cannot be used by SslStream on every platform: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
        // A key that belongs to another certificate is an ArgumentException, not a CryptographicException.
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new KubeConfigException($"{where}: the certificate and key do not form a usable pair: {ex.Message}", ex);
        }
    }
}
