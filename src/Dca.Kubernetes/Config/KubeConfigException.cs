namespace Dca.Kubernetes.Config;

/// <summary>
/// A kubeconfig or in-cluster configuration that cannot be used. The message names the file, the
/// context and the field, so the operator knows what to fix.
/// </summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException(string message) : base(message)
    {
    }

    public KubeConfigException(string message, Exception inner) : base(message, inner)
    {
    }
}
