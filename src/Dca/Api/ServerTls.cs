using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dca.Api;

/// <summary>The TLS settings both HTTPS ports share (5005, and 8443 for external metrics): protocols, suites, certificate.</summary>
internal static class ServerTls
{
    /// <summary>
    /// With <c>DD_CLUSTER_AGENT_ALLOW_LEGACY_TLS</c>, TLS 1.2 with forward secrecy and authenticated encryption only
    /// (Mozilla's "intermediate" list): no CBC, RC4, 3DES, NULL, export, anonymous or static-RSA suites, which
    /// OpenSSL's default list still offers over TLS 1.2. The TLS 1.3 suites must be listed too, or TLS 1.3 is off.
    /// </summary>
    private static readonly TlsCipherSuite[] LegacySuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    public static void Configure(HttpsConnectionAdapterOptions https, ServerCertificateSource certificates, bool legacyTls)
    {
        // TLS 1.3 minimum, like Datadog's cluster agent; legacy clients can be allowed explicitly.
        https.SslProtocols = legacyTls ? SslProtocols.Tls12 | SslProtocols.Tls13 : SslProtocols.Tls13;
        // A handshake costs ~0.9 ms of CPU here: after an upgrade 20,000 node agents reconnecting at
        // once wait up to ~20 s on 2 cores. Kestrel's 10 s default dropped half of them mid-handshake
        // (the load test's storm), and each dropped one comes back and costs a handshake again.
        https.HandshakeTimeout = TimeSpan.FromSeconds(30);
        // Kestrel wants a certificate up front; each handshake then presents the current one. Its prepared
        // context rather than Kestrel's ServerCertificateSelector: with a selector SslStream builds a context
        // (an X509Chain) per handshake and cannot reuse OpenSSL's SSL_CTX, which it caches per context.
        https.ServerCertificate = certificates.Current.Certificate;
        var policy = legacyTls && OperatingSystem.IsLinux() ? new CipherSuitesPolicy(LegacySuites) : null;
        https.OnAuthenticate = (_, ssl) =>
        {
            ssl.ServerCertificate = null;
            ssl.ServerCertificateContext = certificates.Current.Context;
            // Only with TLS 1.2: SslStream does not cache the SSL_CTX when a policy is set, which costs every
            // handshake its setup. OpenSSL's TLS 1.3 suites are all AEAD (TLS_AES_*_GCM, TLS_CHACHA20_POLY1305).
            if (policy is not null)
            {
                ssl.CipherSuitesPolicy = policy;
            }
        };
    }
}
