using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Dca.Api;

/// <summary>
/// A certificate the HTTPS ports present, with its key, and the context TLS handshakes use: built once per
/// certificate (chain included), so that a handshake does not build an <see cref="X509Chain"/> of its own.
/// </summary>
internal sealed record ServedCertificate(X509Certificate2 Certificate, SslStreamCertificateContext Context)
{
    /// <summary>The handshake context of <paramref name="certificate"/> and the intermediates sent with it.</summary>
    public static ServedCertificate Create(X509Certificate2 certificate, X509Certificate2Collection? intermediates = null) =>
        // offline: the intermediates are the ones given; nothing is fetched from the certificate's AIA addresses.
        new(certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
}
