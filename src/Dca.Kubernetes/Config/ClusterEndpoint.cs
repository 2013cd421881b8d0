using System.Security.Cryptography.X509Certificates;

namespace Dca.Kubernetes.Config;

/// <summary>
/// Everything needed to reach one API server: the URL, how to trust it, and how to authenticate.
/// Built from a kubeconfig context (<see cref="KubeConfigLoader"/>) or from the pod's service account
/// (<see cref="InClusterConfig"/>).
/// </summary>
public sealed class ClusterEndpoint
{
    /// <summary>The API server URL, e.g. <c>https://10.0.0.1:443</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>
    /// <see cref="Server"/> as logs, errors and statuses show it: credentials in the URL (<c>https://user:password@host</c>)
    /// are a secret, shown as <c>***@</c>.
    /// </summary>
    public string ShownServer => Server.UserInfo.Length == 0 ? Server.ToString() : new UriBuilder(Server) { UserName = "***", Password = "" }.Uri.ToString();

    /// <summary>The default namespace (the context's, or the pod's); null when none was given.</summary>
    public string? Namespace { get; init; }

    /// <summary>CA certificates that sign the server's certificate; null means the system trust store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Skip server certificate verification (kubeconfig <c>insecure-skip-tls-verify</c>).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to verify the server certificate against, when it differs from the URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>How requests authenticate (bearer token, token file, exec plugin, client certificate).</summary>
    public required ICredentialSource Credentials { get; init; }

    /// <summary>Where this came from, for logs and errors: "kubeconfig /x (context y)" or "in-cluster".</summary>
    public required string Description { get; init; }
}
