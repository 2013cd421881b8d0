using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Several kubeconfig files merged the way kubectl merges a KUBECONFIG list.</summary>
public sealed class KubeConfigMergeTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();
    private readonly string _fileA;
    private readonly string _fileB;

    public KubeConfigMergeTests()
    {
        _fileA = _dir.Write("a/config", """
            current-context: shared
            clusters:
            - name: shared
              cluster: {server: "https://a.example:6443"}
            - name: only-in-a
              cluster: {server: "https://only-a.example:6443"}
            users:
            - name: shared
              user: {token: token-from-a}
            contexts:
            - name: shared
              context: {cluster: shared, user: shared, namespace: ns-from-a}
            """);
        _fileB = _dir.Write("b/config", """
            current-context: b-context
            clusters:
            - name: shared
              cluster: {server: "https://b.example:6443"}
            users:
            - name: shared
              user: {token: token-from-b}
            - name: b-user
              user: {token: token-b-user}
            contexts:
            - name: shared
              context: {cluster: shared, user: shared, namespace: ns-from-b}
            - name: b-context
              context: {cluster: only-in-a, user: b-user, namespace: ns-b}
            """);
    }

    public void Dispose() => _dir.Dispose();

    private static string KubeconfigEnv(params string[] paths) => string.Join(':', paths);

    [Fact]
    public async Task Load_TwoFiles_FirstDefinitionOfEachNameWins()
    {
        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(_fileA, _fileB), "/nonexistent-home");

        var endpoint = KubeConfigLoader.Load(paths, null, _time);

        Assert.Equal(new Uri("https://a.example:6443"), endpoint.Server);
        Assert.Equal("ns-from-a", endpoint.Namespace);
        Assert.Equal("token-from-a", (await endpoint.Credentials.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public async Task Load_TwoFilesInOtherOrder_SecondFilesDefinitionsNowWin()
    {
        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(_fileB, _fileA), null);

        var endpoint = KubeConfigLoader.Load(paths, "shared", _time);

        Assert.Equal(new Uri("https://b.example:6443"), endpoint.Server);
        Assert.Equal("ns-from-b", endpoint.Namespace);
        Assert.Equal("token-from-b", (await endpoint.Credentials.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public void Load_FirstFileHasNoCurrentContext_CurrentContextComesFromTheNextFileThatSetsIt()
    {
        var noCurrent = _dir.Write("c/config", """
            clusters:
            - name: c-cluster
              cluster: {server: "https://c.example"}
            """);
        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(noCurrent, _fileB, _fileA), null);

        var endpoint = KubeConfigLoader.Load(paths, null, _time);

        Assert.Equal("ns-b", endpoint.Namespace);
        Assert.Contains("b-context", endpoint.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_ContextInSecondFileUsesClusterFromFirstFile_Works()
    {
        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(_fileA, _fileB), null);

        var endpoint = KubeConfigLoader.Load(paths, "b-context", _time);

        Assert.Equal(new Uri("https://only-a.example:6443"), endpoint.Server);
        Assert.Equal("ns-b", endpoint.Namespace);
        Assert.Equal("token-b-user", (await endpoint.Credentials.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public void ResolvePaths_KubeconfigListWithMissingFiles_SkipsTheMissingOnes()
    {
        var missing = _dir.PathOf("missing/config");

        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(missing, _fileA, "", _dir.PathOf("gone"), _fileB), null);

        Assert.Equal([_fileA, _fileB], paths);
    }

    [Fact]
    public void ResolvePaths_SameFileTwice_ReadOnce()
    {
        var paths = KubeConfigLoader.ResolvePaths(null, KubeconfigEnv(_fileA, _fileB, _fileA), null);

        Assert.Equal([_fileA, _fileB], paths);
    }

    [Fact]
    public void ResolvePaths_AllKubeconfigFilesMissing_ErrorListsTheVariable()
    {
        var env = KubeconfigEnv(_dir.PathOf("x/config"), _dir.PathOf("y/config"));

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.ResolvePaths(null, env, null));

        Assert.Contains("KUBECONFIG=" + env, error.Message, StringComparison.Ordinal);
        Assert.Contains("none of these files exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolvePaths_ExplicitPath_WinsOverKubeconfigVariable()
    {
        var paths = KubeConfigLoader.ResolvePaths(_fileB, KubeconfigEnv(_fileA), null);

        Assert.Equal([_fileB], paths);
    }

    [Fact]
    public void ResolvePaths_NothingSet_FallsBackToHomeKubeConfig()
    {
        var home = _dir.PathOf("home");
        var config = _dir.Write("home/.kube/config", "");

        Assert.Equal([config], KubeConfigLoader.ResolvePaths(null, null, home));
    }

    [Fact]
    public void ResolvePaths_NothingSetAndNoHomeConfig_ErrorNamesTheHomePath()
    {
        var home = _dir.PathOf("empty-home");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.ResolvePaths(null, "", home));

        Assert.Contains(Path.Combine(home, ".kube", "config"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExplicitPathThatDoesNotExist_ErrorNamesThePath()
    {
        var missing = _dir.PathOf("nope/config");

        var error = Assert.Throws<KubeConfigException>(() =>
            KubeConfigLoader.Load(KubeConfigLoader.ResolvePaths(missing, null, null), null, _time));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
