using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

public sealed class KubeConfigLoaderTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private ClusterEndpoint Load(string path, string? context = null) => KubeConfigLoader.Load([path], context, _time);

    [Fact]
    public async Task Load_TokenUser_GivesServerNamespaceAndBearerToken()
    {
        var path = _dir.Write("config", """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster:
                server: https://api.dev.example:6443
            users:
            - name: dev-user
              user:
                token: dev-token-123
            contexts:
            - name: dev
              context:
                cluster: dev-cluster
                user: dev-user
                namespace: team-a
            """);

        var endpoint = Load(path);
        var credentials = await endpoint.Credentials.GetBoundedAsync();

        Assert.Equal(new Uri("https://api.dev.example:6443"), endpoint.Server);
        Assert.Equal("team-a", endpoint.Namespace);
        Assert.Equal("dev-token-123", credentials.BearerToken);
        Assert.Null(credentials.ClientCertificate);
        Assert.Null(endpoint.CertificateAuthorities);
        Assert.False(endpoint.InsecureSkipTlsVerify);
        Assert.Contains(path, endpoint.Description, StringComparison.Ordinal);
        Assert.Contains("dev", endpoint.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_ContextWithoutUserOrNamespace_GivesNoCredentialsAndNoNamespace()
    {
        var path = _dir.Write("config", """
            current-context: anon
            clusters:
            - name: c
              cluster:
                server: http://127.0.0.1:8080
            contexts:
            - name: anon
              context:
                cluster: c
            """);

        var endpoint = Load(path);
        var credentials = await endpoint.Credentials.GetBoundedAsync();

        Assert.Equal(new Uri("http://127.0.0.1:8080"), endpoint.Server);
        Assert.Null(endpoint.Namespace);
        Assert.Null(credentials.BearerToken);
        Assert.Null(credentials.ClientCertificate);
    }

    [Fact]
    public void Load_InsecureSkipTlsVerifyAndTlsServerName_AreCarriedToTheEndpoint()
    {
        var path = _dir.Write("config", """
            current-context: x
            clusters:
            - name: c
              cluster:
                server: https://10.1.2.3:6443
                insecure-skip-tls-verify: true
                tls-server-name: kubernetes.default.svc
            contexts:
            - name: x
              context:
                cluster: c
            """);

        var endpoint = Load(path);

        Assert.True(endpoint.InsecureSkipTlsVerify);
        Assert.Equal("kubernetes.default.svc", endpoint.TlsServerName);
    }

    [Fact]
    public async Task Load_ContextOverride_SelectsThatContextInsteadOfCurrent()
    {
        var path = _dir.Write("config", """
            current-context: dev
            clusters:
            - name: dev
              cluster:
                server: https://dev.example
            - name: prod
              cluster:
                server: https://prod.example
            users:
            - name: dev
              user:
                token: dev-token
            - name: prod
              user:
                token: prod-token
            contexts:
            - name: dev
              context: {cluster: dev, user: dev, namespace: dev-ns}
            - name: prod
              context: {cluster: prod, user: prod, namespace: prod-ns}
            """);

        var endpoint = Load(path, context: "prod");

        Assert.Equal(new Uri("https://prod.example"), endpoint.Server);
        Assert.Equal("prod-ns", endpoint.Namespace);
        Assert.Equal("prod-token", (await endpoint.Credentials.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public void Load_SameNameTwiceInOneFile_FirstDefinitionWins()
    {
        var path = _dir.Write("config", """
            current-context: x
            clusters:
            - name: c
              cluster: {server: "https://first.example"}
            - name: c
              cluster: {server: "https://second.example"}
            contexts:
            - name: x
              context: {cluster: c}
            """);

        Assert.Equal(new Uri("https://first.example"), Load(path).Server);
    }

    [Fact]
    public void Load_EmptyFileThenRealFile_EmptyFileIsIgnored()
    {
        var empty = _dir.Write("empty", "");
        var real = _dir.Write("config", """
            current-context: x
            clusters:
            - name: c
              cluster: {server: "https://real.example"}
            contexts:
            - name: x
              context: {cluster: c}
            """);

        var endpoint = KubeConfigLoader.Load([empty, real], null, _time);

        Assert.Equal(new Uri("https://real.example"), endpoint.Server);
    }
}
