using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Certificate authorities, client certificates and the files they live in.</summary>
public sealed class KubeConfigCertificateTests : IDisposable
{
    private static readonly TestCertificates s_ca = TestCertificates.Create("test-ca", isCa: true);
    private static readonly TestCertificates s_client = TestCertificates.Create("system:admin", isCa: false);
    private static readonly TestCertificates s_otherClient = TestCertificates.Create("someone-else", isCa: false);

    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private string WriteConfig(string relative, string clusterFields, string userFields) => _dir.Write(relative, $$"""
        current-context: x
        clusters:
        - name: c
          cluster:
            server: https://api.example:6443
        {{Indent(clusterFields, 4)}}
        users:
        - name: u
          user:
        {{Indent(userFields, 4)}}
        contexts:
        - name: x
          context: {cluster: c, user: u}
        """);

    private static string Indent(string fields, int spaces) =>
        string.Join('\n', fields.Split('\n').Select(line => new string(' ', spaces) + line));

    [Fact]
    public async Task Load_RelativePaths_ResolveAgainstTheKubeconfigDirectory()
    {
        _dir.Write("kube/certs/ca.pem", s_ca.CertificatePem);
        _dir.Write("kube/certs/client.pem", s_client.CertificatePem);
        _dir.Write("kube/certs/client-key.pem", s_client.KeyPem);
        _dir.Write("kube/token", "relative-token\n");
        var config = WriteConfig("kube/config",
            "certificate-authority: certs/ca.pem",
            "tokenFile: token\nclient-certificate: certs/client.pem\nclient-key: ./certs/client-key.pem");

        var endpoint = KubeConfigLoader.Load([config], null, _time);
        var credentials = await endpoint.Credentials.GetBoundedAsync();

        Assert.Equal(s_ca.Certificate.Thumbprint, Assert.Single(endpoint.CertificateAuthorities!).Thumbprint);
        Assert.Equal("relative-token", credentials.BearerToken);
        Assert.Equal(s_client.Certificate.Thumbprint, credentials.ClientCertificate!.Thumbprint);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
        Assert.Equal(_dir.PathOf("kube/token"), Assert.IsType<TokenFileCredentials>(endpoint.Credentials).Path);
    }

    [Fact]
    public void Load_RelativePathWithParentDirectory_ResolvesAgainstTheKubeconfigDirectory()
    {
        _dir.Write("shared/ca.pem", s_ca.CertificatePem);
        var config = WriteConfig("kube/nested/config", "certificate-authority: ../../shared/ca.pem", "token: t");

        var endpoint = KubeConfigLoader.Load([config], null, _time);

        Assert.Equal(s_ca.Certificate.Thumbprint, Assert.Single(endpoint.CertificateAuthorities!).Thumbprint);
    }

    [Fact]
    public void Load_RelativePathsInSecondFile_ResolveAgainstTheSecondFilesDirectory()
    {
        var first = _dir.Write("one/config", "current-context: x\n");
        _dir.Write("two/ca.pem", s_ca.CertificatePem);
        var second = WriteConfig("two/config", "certificate-authority: ca.pem", "token: t");

        var endpoint = KubeConfigLoader.Load([first, second], null, _time);

        Assert.Equal(s_ca.Certificate.Thumbprint, Assert.Single(endpoint.CertificateAuthorities!).Thumbprint);
    }

    [Fact]
    public void Load_CertificateAuthorityData_IsDecodedFromBase64()
    {
        var config = WriteConfig("config", $"certificate-authority-data: {s_ca.CertificatePemBase64}", "token: t");

        var endpoint = KubeConfigLoader.Load([config], null, _time);

        Assert.Equal(s_ca.Certificate.Thumbprint, Assert.Single(endpoint.CertificateAuthorities!).Thumbprint);
    }

    [Fact]
    public void Load_CertificateAuthorityBundle_LoadsEveryCertificate()
    {
        var other = TestCertificates.Create("other-ca", isCa: true);
        _dir.Write("bundle.pem", s_ca.CertificatePem + "\n" + other.CertificatePem);
        var config = WriteConfig("config", "certificate-authority: bundle.pem", "token: t");

        var endpoint = KubeConfigLoader.Load([config], null, _time);

        Assert.Equal(
            new[] { s_ca.Certificate.Thumbprint, other.Certificate.Thumbprint },
            endpoint.CertificateAuthorities!.Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task Load_ClientCertificateAndKeyData_GiveACertificateWithPrivateKey()
    {
        var config = WriteConfig("config", "",
            $"client-certificate-data: {s_client.CertificatePemBase64}\nclient-key-data: {s_client.KeyPemBase64}");

        var credentials = await KubeConfigLoader.Load([config], null, _time).Credentials.GetBoundedAsync();

        Assert.Null(credentials.BearerToken);
        Assert.Equal(s_client.Certificate.Thumbprint, credentials.ClientCertificate!.Thumbprint);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
        Assert.Equal("CN=system:admin", credentials.ClientCertificate.Subject);
    }

    [Fact]
    public async Task Load_ClientCertificateFromFilesAndToken_GivesBoth()
    {
        var cert = _dir.Write("client.pem", s_client.CertificatePem);
        var key = _dir.Write("client-key.pem", s_client.KeyPem);
        var config = WriteConfig("config", "", $"token: both\nclient-certificate: {cert}\nclient-key: {key}");

        var credentials = await KubeConfigLoader.Load([config], null, _time).Credentials.GetBoundedAsync();

        Assert.Equal("both", credentials.BearerToken);
        Assert.True(credentials.ClientCertificate!.HasPrivateKey);
        Assert.DoesNotContain("both", credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClientCertificateWithoutKey_ErrorNamesTheMissingField()
    {
        var config = WriteConfig("config", "", $"client-certificate-data: {s_client.CertificatePemBase64}");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([config], null, _time));

        Assert.Contains(config, error.Message, StringComparison.Ordinal);
        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("client-certificate is set without client-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClientKeyWithoutCertificate_ErrorNamesTheMissingField()
    {
        var config = WriteConfig("config", "", $"client-key-data: {s_client.KeyPemBase64}");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([config], null, _time));

        Assert.Contains("client-key is set without client-certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClientCertificateWithAnotherCertificatesKey_ErrorSaysTheyDoNotPair()
    {
        var config = WriteConfig("config", "",
            $"client-certificate-data: {s_client.CertificatePemBase64}\nclient-key-data: {s_otherClient.KeyPemBase64}");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([config], null, _time));

        Assert.Contains("user \"u\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("do not form a usable pair", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateAuthorityDataThatIsNotPem_ErrorNamesTheField()
    {
        var notPem = Convert.ToBase64String("hello, not a certificate"u8.ToArray());
        var config = WriteConfig("config", $"certificate-authority-data: {notPem}", "token: t");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([config], null, _time));

        Assert.Contains(config, error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster \"c\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("certificate-authority", error.Message, StringComparison.Ordinal);
    }
}
