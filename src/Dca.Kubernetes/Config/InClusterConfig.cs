using System.Globalization;

namespace Dca.Kubernetes.Config;

/// <summary>
/// The configuration of a process running in a pod: <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>, and the
/// service account's token (re-read when the kubelet rotates it), CA bundle and namespace.
/// </summary>
public static class InClusterConfig
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>True when the environment says we run in a pod.</summary>
    public static bool IsAvailable(Func<string, string?> env) =>
        env("KUBERNETES_SERVICE_HOST") is { Length: > 0 } && env("KUBERNETES_SERVICE_PORT") is { Length: > 0 };

    public static ClusterEndpoint Load(Func<string, string?> env, TimeProvider time, string directory = ServiceAccountDirectory)
    {
        var host = env("KUBERNETES_SERVICE_HOST");
        var port = env("KUBERNETES_SERVICE_PORT");
        if (host is not { Length: > 0 } || port is not { Length: > 0 })
        {
            throw new KubeConfigException("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeConfigException($"in-cluster: KUBERNETES_SERVICE_PORT={port} is not a port number");
        }
        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"in-cluster: service account token {tokenPath} does not exist (is automountServiceAccountToken false?)");
        }
        var caPath = Path.Combine(directory, "ca.crt");
        var nsPath = Path.Combine(directory, "namespace");
        // IPv6 hosts need brackets in a URL.
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{portNumber}" : $"{host}:{portNumber}";
        return new ClusterEndpoint
        {
            Server = new Uri($"https://{authority}"),
            Namespace = File.Exists(nsPath) ? BoundedFile.ReadText(nsPath, BoundedFile.MaxTokenBytes).Trim() : null,
            CertificateAuthorities = File.Exists(caPath) ? CertificateLoader.CaBundle(BoundedFile.ReadText(caPath, BoundedFile.MaxConfigBytes), $"in-cluster: {caPath}") : null,
            Credentials = new TokenFileCredentials(tokenPath, null, time),
            Description = "in-cluster service account",
        };
    }
}
