namespace Dca.Api;

internal sealed partial class ServerCertificateSource
{
    /// <summary>Never the key, nor the files' content: subjects, dates, thumbprints and paths only.</summary>
    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Information, "TLS: serving certificate {Subject} (expires {NotAfter:O}, thumbprint {Thumbprint}) from {CertificatePath}")]
        public static partial void Serving(ILogger logger, string subject, DateTime notAfter, string thumbprint, string certificatePath);

        [LoggerMessage(1101, LogLevel.Information, "TLS: certificate reloaded from {CertificatePath}: new handshakes present {Subject} (expires {NotAfter:O}, thumbprint {Thumbprint})")]
        public static partial void Reloaded(ILogger logger, string subject, DateTime notAfter, string thumbprint, string certificatePath);

        [LoggerMessage(1102, LogLevel.Warning, "TLS: cannot reload {CertificatePath} and {KeyPath}: {Reason}; still serving the certificate with thumbprint {Thumbprint}, tried again when the files change")]
        public static partial void ReloadFailed(ILogger logger, string certificatePath, string keyPath, string reason, string thumbprint);

        [LoggerMessage(1103, LogLevel.Warning, "TLS: cannot watch {Directory} for certificate changes ({Reason}); the files are re-read every {PollSeconds} s")]
        public static partial void WatchFailed(ILogger logger, string directory, string reason, double pollSeconds);
    }
}
