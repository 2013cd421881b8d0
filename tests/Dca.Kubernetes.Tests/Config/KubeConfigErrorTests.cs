using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Every unusable kubeconfig fails with one line naming the file, the context and the field.</summary>
public sealed class KubeConfigErrorTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private KubeConfigException LoadFails(string yaml, string? context = null)
    {
        var path = _dir.Write("config", yaml);
        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([path], context, _time));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    /// <summary>A valid config around one cluster and one user, for tests that break just one of them.</summary>
    private static string Config(string cluster, string user) => $"""
        current-context: ctx
        clusters:
        - name: c
          cluster:
        {cluster}
        users:
        - name: u
          user:
        {user}
        contexts:
        - name: ctx
          context:
            cluster: c
            user: u
        """;

    [Fact]
    public void Load_NoCurrentContextAndNoOverride_ErrorSaysCurrentContextIsNotSet()
    {
        var error = LoadFails("""
            clusters:
            - name: c
              cluster: {server: "https://x"}
            """);

        Assert.Contains("current-context is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("--context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownContext_ErrorNamesTheContext()
    {
        var error = LoadFails(Config("    server: https://x", "    token: t"), context: "staging");

        Assert.Contains("context \"staging\" is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CurrentContextNotDefined_ErrorNamesTheContext()
    {
        var error = LoadFails("current-context: ghost\n");

        Assert.Contains("context \"ghost\" is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ContextWithoutCluster_ErrorNamesContextAndField()
    {
        var error = LoadFails("""
            current-context: ctx
            contexts:
            - name: ctx
              context:
                user: u
            """);

        Assert.Contains("context \"ctx\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("field cluster is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ContextNamesUndefinedCluster_ErrorNamesTheCluster()
    {
        var error = LoadFails("""
            current-context: ctx
            contexts:
            - name: ctx
              context: {cluster: nowhere}
            """);

        Assert.Contains("context \"ctx\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster \"nowhere\" is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ContextNamesUndefinedUser_ErrorNamesTheUser()
    {
        var error = LoadFails("""
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "https://x"}
            contexts:
            - name: ctx
              context: {cluster: c, user: nobody}
            """);

        Assert.Contains("user \"nobody\" is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClusterWithoutServer_ErrorNamesContextClusterAndField()
    {
        var error = LoadFails(Config("    insecure-skip-tls-verify: true", "    token: t"));

        Assert.Contains("context \"ctx\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster \"c\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("field server is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("api.example.com:6443")]
    [InlineData("/var/run/api.sock")]
    [InlineData("ftp://api.example.com")]
    public void Load_ServerNotAnHttpUrl_ErrorNamesTheFieldAndValue(string server)
    {
        var error = LoadFails(Config($"    server: \"{server}\"", "    token: t"));

        Assert.Contains("cluster \"c\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("field server is not an http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.Contains(server, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InsecureSkipTlsVerifyNotABoolean_ErrorNamesTheField()
    {
        var error = LoadFails(Config("    server: https://x\n    insecure-skip-tls-verify: sometimes", "    token: t"));

        Assert.Contains("field insecure-skip-tls-verify must be true or false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateAuthorityDataNotBase64_ErrorNamesTheField()
    {
        var error = LoadFails(Config("    server: https://x\n    certificate-authority-data: '!!not*base64!!'", "    token: t"));

        Assert.Contains("cluster \"c\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("field certificate-authority-data is not valid base64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateAuthorityFileMissing_ErrorNamesTheFieldAndPath()
    {
        var error = LoadFails(Config("    server: https://x\n    certificate-authority: missing-ca.pem", "    token: t"));

        Assert.Contains("field certificate-authority: cannot read", error.Message, StringComparison.Ordinal);
        Assert.Contains(_dir.PathOf("missing-ca.pem"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateAuthorityIsADirectory_ErrorNamesTheField()
    {
        Directory.CreateDirectory(_dir.PathOf("ca-dir"));

        var error = LoadFails(Config("    server: https://x\n    certificate-authority: ca-dir", "    token: t"));

        Assert.Contains("field certificate-authority: cannot read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClientKeyFileMissing_ErrorNamesUserAndField()
    {
        var error = LoadFails(Config("    server: https://x", "    client-certificate: c.pem\n    client-key: k.pem"));

        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("field client-certificate: cannot read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TokenFileMissing_ErrorNamesThePath()
    {
        var error = LoadFails(Config("    server: https://x", "    tokenFile: secrets/token"));

        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("tokenFile " + _dir.PathOf("secrets/token"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client.authentication.k8s.io/v1alpha1")]
    [InlineData("v1")]
    public void Load_UnsupportedExecApiVersion_ErrorNamesUserAndVersion(string apiVersion)
    {
        var error = LoadFails(Config("    server: https://x", $"    exec:\n      apiVersion: {apiVersion}\n      command: aws"));

        Assert.Contains("context \"ctx\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains($"apiVersion {apiVersion} is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExecWithoutCommand_ErrorNamesTheField()
    {
        var error = LoadFails(Config("    server: https://x", "    exec:\n      apiVersion: client.authentication.k8s.io/v1"));

        Assert.Contains("exec: field command is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AuthProviderUser_ErrorSaysItIsUnsupported()
    {
        var error = LoadFails(Config("    server: https://x", "    auth-provider:\n      name: gcp\n      config: {}"));

        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("auth-provider plugins are not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BasicAuthUser_ErrorSaysItIsUnsupported()
    {
        var error = LoadFails(Config("    server: https://x", "    username: admin\n    password: secret"));

        Assert.Contains("basic authentication", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClusterWithoutServerInSecondFile_ErrorNamesTheSecondFile()
    {
        var first = _dir.Write("first/config", """
            current-context: ctx
            contexts:
            - name: ctx
              context: {cluster: c}
            """);
        var second = _dir.Write("second/config", """
            clusters:
            - name: c
              cluster: {insecure-skip-tls-verify: true}
            """);

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([first, second], null, _time));

        Assert.StartsWith($"kubeconfig {second}: context \"ctx\": cluster \"c\": field server is missing", error.Message, StringComparison.Ordinal);
    }
}
