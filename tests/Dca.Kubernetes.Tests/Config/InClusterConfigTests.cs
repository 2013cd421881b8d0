using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>The pod's service account, laid out in a temp directory as the kubelet lays it out.</summary>
public sealed class InClusterConfigTests : IDisposable
{
    private static readonly TestCertificates s_ca = TestCertificates.Create("cluster-ca", isCa: true);

    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private static Func<string, string?> Env(string? host, string? port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };

    private string ServiceAccount(string token = "sa-token\n", string? ns = "monitoring\n", string? ca = null)
    {
        _dir.Write("sa/token", token);
        if (ns is not null)
        {
            _dir.Write("sa/namespace", ns);
        }
        _dir.Write("sa/ca.crt", ca ?? s_ca.CertificatePem);
        return _dir.PathOf("sa");
    }

    [Fact]
    public async Task Load_ServiceAccountPresent_GivesServerNamespaceCaAndToken()
    {
        var directory = ServiceAccount();

        var endpoint = InClusterConfig.Load(Env("10.96.0.1", "6443"), _time, directory);
        var credentials = await endpoint.Credentials.GetBoundedAsync();

        Assert.Equal(new Uri("https://10.96.0.1:6443"), endpoint.Server);
        Assert.Equal(6443, endpoint.Server.Port);
        Assert.Equal("monitoring", endpoint.Namespace);
        Assert.Equal(s_ca.Certificate.Thumbprint, Assert.Single(endpoint.CertificateAuthorities!).Thumbprint);
        Assert.Equal("sa-token", credentials.BearerToken);
        Assert.False(endpoint.InsecureSkipTlsVerify);
        Assert.Equal("in-cluster service account", endpoint.Description);
    }

    [Fact]
    public void Load_Ipv6Host_PutsBracketsAroundTheAddress()
    {
        var directory = ServiceAccount();

        var endpoint = InClusterConfig.Load(Env("fd00:10:96::1", "443"), _time, directory);

        Assert.Equal("[fd00:10:96::1]", endpoint.Server.Host);
        Assert.Equal(443, endpoint.Server.Port);
        Assert.Equal(new Uri("https://[fd00:10:96::1]:443"), endpoint.Server);
    }

    [Fact]
    public void Load_NoNamespaceFile_NamespaceIsNull()
    {
        var directory = ServiceAccount(ns: null);

        Assert.Null(InClusterConfig.Load(Env("10.96.0.1", "443"), _time, directory).Namespace);
    }

    [Fact]
    public void Load_MissingTokenFile_ErrorNamesThePathAndTheLikelyCause()
    {
        var directory = _dir.PathOf("empty-sa");
        Directory.CreateDirectory(directory);

        var error = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Env("10.96.0.1", "443"), _time, directory));

        Assert.Contains(Path.Combine(directory, "token"), error.Message, StringComparison.Ordinal);
        Assert.Contains("automountServiceAccountToken", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData(" 443")]
    public void Load_BadPort_ErrorNamesTheVariableAndValue(string port)
    {
        var directory = ServiceAccount();

        var error = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Env("10.96.0.1", port), _time, directory));

        Assert.Contains($"KUBERNETES_SERVICE_PORT={port} is not a port number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HostNotSet_ErrorNamesTheVariables()
    {
        var error = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Env(null, "443"), _time, ServiceAccount()));

        Assert.Contains("KUBERNETES_SERVICE_HOST", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CaFileNotPem_ErrorNamesTheFile()
    {
        var directory = ServiceAccount(ca: "garbage");

        var error = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Env("10.96.0.1", "443"), _time, directory));

        Assert.Contains(Path.Combine(directory, "ca.crt"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_KubeletRotatesTokenBySwappingTheDataSymlink_NewTokenAfterRecheck()
    {
        // The kubelet's atomic writer: token -> ..data/token, ..data -> ..<timestamp>; rotation writes a new
        // timestamped directory and swaps the ..data symlink (replaced here in two steps; nothing reads in between).
        var directory = _dir.PathOf("projected");
        _dir.Write("projected/..2026_01_01_00_00_00/token", "first-token");
        File.SetLastWriteTimeUtc(_dir.PathOf("projected/..2026_01_01_00_00_00/token"), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Directory.CreateSymbolicLink(Path.Combine(directory, "..data"), "..2026_01_01_00_00_00");
        File.CreateSymbolicLink(Path.Combine(directory, "token"), "..data/token");
        var endpoint = InClusterConfig.Load(Env("10.96.0.1", "443"), _time, directory);
        var first = await endpoint.Credentials.GetBoundedAsync();

        _dir.Write("projected/..2026_01_01_00_50_00/token", "second-token");
        File.SetLastWriteTimeUtc(_dir.PathOf("projected/..2026_01_01_00_50_00/token"), new DateTime(2026, 1, 1, 0, 50, 0, DateTimeKind.Utc));
        File.Delete(Path.Combine(directory, "..data"));
        Directory.CreateSymbolicLink(Path.Combine(directory, "..data"), "..2026_01_01_00_50_00");
        _time.Advance(TokenFileCredentials.RecheckInterval);
        var second = await endpoint.Credentials.GetBoundedAsync();

        Assert.Equal("first-token", first.BearerToken);
        Assert.Equal("second-token", second.BearerToken);
    }
}
