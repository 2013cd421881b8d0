namespace Dca.Kubernetes.Config;

/// <summary>
/// Chooses the configuration the way the Datadog agents and kubectl do: an explicit kubeconfig
/// (<c>--kubeconfig</c>), else <c>KUBECONFIG</c>, else the pod's service account when running in a pod,
/// else <c>~/.kube/config</c>.
/// </summary>
public static class ClusterEndpointResolver
{
    /// <summary>The endpoint to use; <paramref name="serviceAccountDirectory"/> is where the pod's service account is mounted.</summary>
    public static ClusterEndpoint Resolve(
        string? kubeconfig, string? context, Func<string, string?> env, TimeProvider time,
        string serviceAccountDirectory = InClusterConfig.ServiceAccountDirectory)
    {
        if (kubeconfig is { Length: > 0 } || env("KUBECONFIG") is { Length: > 0 } || !InClusterConfig.IsAvailable(env))
        {
            var paths = KubeConfigLoader.ResolvePaths(kubeconfig, env("KUBECONFIG"), env("HOME"));
            return KubeConfigLoader.Load(paths, context, time);
        }
        return InClusterConfig.Load(env, time, serviceAccountDirectory);
    }
}
