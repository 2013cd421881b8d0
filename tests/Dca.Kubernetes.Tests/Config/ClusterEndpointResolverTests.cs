using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Which configuration wins: --kubeconfig, KUBECONFIG, the pod's service account, ~/.kube/config.</summary>
public sealed class ClusterEndpointResolverTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();
    private readonly string _serviceAccount;
    private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);

    public ClusterEndpointResolverTests()
    {
        _dir.Write("sa/token", "sa-token");
        _dir.Write("sa/namespace", "pod-namespace");
        _serviceAccount = _dir.PathOf("sa");
    }

    public void Dispose() => _dir.Dispose();

    private string? Env(string name) => _env.GetValueOrDefault(name);

    private void InPod()
    {
        _env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
        _env["KUBERNETES_SERVICE_PORT"] = "443";
    }

    private string Kubeconfig(string relative, string server) => _dir.Write(relative, $$"""
        current-context: ctx
        clusters:
        - name: c
          cluster: {server: "{{server}}"}
        contexts:
        - name: ctx
          context: {cluster: c, namespace: kube-ns}
        """);

    private ClusterEndpoint Resolve(string? kubeconfig = null, string? context = null) =>
        ClusterEndpointResolver.Resolve(kubeconfig, context, Env, _time, _serviceAccount);

    [Fact]
    public void Resolve_ExplicitKubeconfigInPod_UsesTheKubeconfig()
    {
        InPod();
        var path = Kubeconfig("explicit/config", "https://explicit.example");

        var endpoint = Resolve(kubeconfig: path);

        Assert.Equal(new Uri("https://explicit.example"), endpoint.Server);
        Assert.Contains(path, endpoint.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_KubeconfigVariableInPod_UsesTheKubeconfig()
    {
        InPod();
        _env["KUBECONFIG"] = Kubeconfig("env/config", "https://from-env.example");

        Assert.Equal(new Uri("https://from-env.example"), Resolve().Server);
    }

    [Fact]
    public async Task Resolve_InPodWithoutKubeconfig_UsesTheServiceAccount()
    {
        InPod();
        _env["HOME"] = _dir.PathOf("home");
        Kubeconfig("home/.kube/config", "https://home.example");

        var endpoint = Resolve();

        Assert.Equal(new Uri("https://10.96.0.1:443"), endpoint.Server);
        Assert.Equal("pod-namespace", endpoint.Namespace);
        Assert.Equal("sa-token", (await endpoint.Credentials.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public void Resolve_OutsidePodWithoutKubeconfig_UsesHomeKubeconfig()
    {
        _env["HOME"] = _dir.PathOf("home");
        Kubeconfig("home/.kube/config", "https://home.example");

        Assert.Equal(new Uri("https://home.example"), Resolve().Server);
    }

    [Fact]
    public void Resolve_NothingConfigured_ErrorNamesWhatWasTried()
    {
        _env["HOME"] = _dir.PathOf("no-home");

        var error = Assert.Throws<KubeConfigException>(() => Resolve());

        Assert.Contains("--kubeconfig and KUBECONFIG are unset", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir.PathOf("no-home"), ".kube", "config"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ContextOverride_ReachesTheLoader()
    {
        var path = Kubeconfig("explicit/config", "https://explicit.example");

        var error = Assert.Throws<KubeConfigException>(() => Resolve(kubeconfig: path, context: "other"));

        Assert.Contains("context \"other\" is not defined", error.Message, StringComparison.Ordinal);
    }
}
