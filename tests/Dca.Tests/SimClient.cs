using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Sim;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests;

/// <summary>Our Kubernetes client for a simulator started in the test, with its kubeconfig.</summary>
internal static class SimClient
{
    public static KubernetesClient For(Simulator sim, KubernetesClientOptions? options = null) =>
        new(KubeConfigLoader.Load([sim.KubeconfigPath], null, TimeProvider.System),
            options ?? new KubernetesClientOptions(), NullLoggerFactory.Instance, TimeProvider.System);
}
