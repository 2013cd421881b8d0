using System.Text;
using Dca.Kubernetes.Config;
using Dca.Kubernetes.Tests.Config;
using Dca.Testing;
using FsCheck;
using FsCheck.Xunit;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// Hostile kubeconfig YAML and exec-plugin output (issue 11): a file loads or fails with a
/// <see cref="KubeConfigException"/> naming the file; never another exception, never a stack overflow.
/// </summary>
public sealed class KubeConfigHostileTests : IDisposable
{
    private static readonly Config.TestCertificates s_ca = Config.TestCertificates.Create("hostile-ca", isCa: true);
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private static string Sample => $"""
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: prod-cluster
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority-data: {s_ca.CertificatePemBase64}
            tls-server-name: kubernetes
        users:
        - name: admin
          user:
            token: abc.def.ghi
        contexts:
        - name: prod
          context: {"{"}cluster: prod-cluster, user: admin, namespace: shop{"}"}
        """;

    /// <summary>Loads <paramref name="yaml"/> from a file; returns whether it loaded. Any exception but KubeConfigException fails.</summary>
    private bool LoadedOrRejected(string yaml)
    {
        var path = _dir.Write("config", yaml);
        try
        {
            KubeConfigLoader.Load([path], null, _time);
            return true;
        }
        catch (KubeConfigException e)
        {
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            return false;
        }
    }

    [Fact]
    public void Load_Sample_Loads() => Assert.True(LoadedOrRejected(Sample));

    [Fact]
    public void Load_TruncatedAtEveryOffset_LoadsOrKubeConfigException()
    {
        var sample = Sample;
        for (var length = 0; length < sample.Length; length++)
        {
            try
            {
                LoadedOrRejected(sample[..length]);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{length} characters: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Theory]
    [InlineData(10_000, "[")]
    [InlineData(10_000, "{a: ")]
    [InlineData(10_000, "- ")]
    [InlineData(100_000, "[")]
    public void Parse_DeepNesting_KubeConfigExceptionInsteadOfAStackOverflow(int depth, string level)
    {
        var yaml = "current-context: " + string.Concat(Enumerable.Repeat(level, depth)) + "x";

        var e = Assert.Throws<KubeConfigException>(() => KubeConfigDocument.Parse(yaml, "/deep/config"));

        Assert.Contains("/deep/config", e.Message, StringComparison.Ordinal);
        // Flow collections are valid YAML and hit the depth limit; block sequences on one line are a syntax error first.
        Assert.Matches(level == "- " ? "not valid YAML" : $"nested deeper than {KubeConfigDocument.MaxDepth} levels", e.Message);
    }

    [Fact]
    public void Parse_ModeratelyNestedValues_StillLoad()
    {
        var yaml = Sample + "\nextensions: " + string.Concat(Enumerable.Repeat("[", 30)) + string.Concat(Enumerable.Repeat("]", 30)) + "\n";

        Assert.True(LoadedOrRejected(yaml));
    }

    [Theory]
    [InlineData("clusters: {a: b}")]
    [InlineData("clusters: [a, b]")]
    [InlineData("clusters: [{name: [x]}]")]
    [InlineData("clusters:\n- name: c\n  cluster: [1, 2]\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: [https://x]}\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: 'https://x', insecure-skip-tls-verify: yes}\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: '!!!'}\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: aGVsbG8=}\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}")]
    [InlineData("current-context: [a]")]
    [InlineData("current-context: x\ncontexts:\n- name: x\n  context: {cluster: {a: b}}")]
    [InlineData("a: &a [*a]")]
    [InlineData("a: *undefined")]
    [InlineData("current-context: a\ncurrent-context: b")]
    [InlineData("!!binary AAAA")]
    [InlineData("%YAML 9.9\n---\na: b")]
    [InlineData("---\na: 1\n---\nb: 2")]
    [InlineData("\0\0\0")]
    [InlineData("\t- x")]
    [InlineData("users:\n- name: u\n  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x, args: {a: b}, env: [a, {value: b}]}}\nclusters:\n- name: c\n  cluster: {server: 'https://x'}\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}")]
    public void Load_WrongShapesAndOddYaml_LoadsOrKubeConfigException(string yaml) => LoadedOrRejected(yaml);

    [Theory]
    [InlineData("token: \"abc\\r\\nX-Injected: 1\"")]
    [InlineData("token: \"abc\\u0000def\"")]
    [InlineData("token: \"abc\\tdef\"")]
    public void Load_TokenWithControlCharacters_KubeConfigExceptionNamingTheUser(string token)
    {
        var yaml = Sample.Replace("token: abc.def.ghi", token, StringComparison.Ordinal);

        var path = _dir.Write("config", yaml);
        var e = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([path], null, _time));

        Assert.Contains("user \"admin\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasBomb_LoadsWithoutExpandingIt()
    {
        var bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            bomb.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.True(LoadedOrRejected(Sample + "\n" + bomb));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024 * 1024);
    }

    [Property(MaxTest = 200, Replay = "(5772156649,1202056903)")]
    public void Load_RandomMutationOfASample_LoadsOrKubeConfigException(int seed) =>
        LoadedOrRejected(Encoding.UTF8.GetString(HostileJson.Mutate(Encoding.UTF8.GetBytes(Sample), seed)));

    [Property(MaxTest = 100, Replay = "(6180339887,2236067977)")]
    public void Parse_RandomText_ParsesOrKubeConfigException(string text)
    {
        try
        {
            KubeConfigDocument.Parse(text ?? "", "/random/config");
        }
        catch (KubeConfigException)
        {
        }
    }

    [Fact]
    public void Load_KubeconfigLargerThanTheLimit_KubeConfigExceptionWithoutReadingItAll()
    {
        var path = _dir.Write("config", Sample + "\n# " + new string('x', BoundedFile.MaxConfigBytes) + "\n");

        var e = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([path], null, _time));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"larger than {BoundedFile.MaxConfigBytes} bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_EndlessFiles_KubeConfigExceptionInsteadOfFillingMemory()
    {
        var yaml = Sample.Replace("token: abc.def.ghi", "tokenFile: /dev/zero", StringComparison.Ordinal);
        var tokenPath = _dir.Write("config", yaml);

        var fromZero = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(["/dev/zero"], null, _time));
        var endpoint = KubeConfigLoader.Load([tokenPath], null, _time);
        var fromToken = await Assert.ThrowsAsync<KubeConfigException>(async () => await endpoint.Credentials.GetAsync(CancellationToken.None)).WithTimeout();

        Assert.Contains("/dev/zero", fromZero.Message, StringComparison.Ordinal);
        Assert.Contains($"larger than {BoundedFile.MaxTokenBytes} bytes", fromToken.Message, StringComparison.Ordinal);
    }

    private ExecCredentialPlugin Plugin() => new(new ExecConfig("client.authentication.k8s.io/v1", "get-token", [], [], null, _dir.Root), _time);

    private static readonly string s_execSample =
        """{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t0k3n","expirationTimestamp":"2026-11-22T12:00:00Z"}}""";

    [Fact]
    public void ParseExecOutput_TruncatedWrongTypesAndCorpus_CredentialsOrKubeConfigException()
    {
        using var plugin = Plugin();
        var inputs = HostileJson.Truncations(Encoding.UTF8.GetBytes(s_execSample)).Select(b => ("truncated", b))
            .Concat(HostileJson.WithEachValueReplaced(Encoding.UTF8.GetBytes(s_execSample)))
            .Concat(HostileJson.Corpus());
        foreach (var (name, output) in inputs)
        {
            try
            {
                plugin.Parse(Encoding.UTF8.GetString(output));
            }
            catch (KubeConfigException e)
            {
                Assert.Contains("get-token", e.Message, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Fact]
    public void ParseExecOutput_TokenWithANewline_KubeConfigException()
    {
        using var plugin = Plugin();

        var e = Assert.Throws<KubeConfigException>(() => plugin.Parse(s_execSample.Replace("t0k3n", "t0k\\r\\nen", StringComparison.Ordinal)));

        Assert.Contains("token", e.Message, StringComparison.Ordinal);
    }
}
