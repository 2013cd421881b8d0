using System.Text.Json;
using Dca.Kubernetes.Config;
using static Dca.Kubernetes.Tests.Config.FakeExecPlugin;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>What an exec credential plugin is given, what it answers, and how long the answer is kept.</summary>
public sealed class ExecCredentialPluginTests : IDisposable
{
    private readonly FakeExecPlugin _plugin = new();

    public void Dispose() => _plugin.Dispose();

    [Fact]
    public async Task GetAsync_PluginAnswersV1_ReturnsTokenAndPassesEnvArgsAndExecInfo()
    {
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials();

        var credentials = await source.GetBoundedAsync();

        Assert.IsType<ExecCredentialPlugin>(source);
        Assert.Equal("tok-1-hello", credentials.BearerToken);
        Assert.Null(credentials.ClientCertificate);
        Assert.Equal("get-token\n--cluster\nprod\n", _plugin.RecordedArgs);
        using var info = JsonDocument.Parse(_plugin.RecordedExecInfo);
        Assert.Equal(V1, info.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("ExecCredential", info.RootElement.GetProperty("kind").GetString());
        Assert.False(info.RootElement.GetProperty("spec").GetProperty("interactive").GetBoolean());
    }

    [Fact]
    public async Task GetAsync_V1Beta1_ReturnsTokenAndExecInfoCarriesV1Beta1()
    {
        _plugin.WriteAnswering(answerApiVersion: V1Beta1);
        var source = _plugin.LoadCredentials(configApiVersion: V1Beta1);

        var credentials = await source.GetBoundedAsync();

        Assert.Equal("tok-1-hello", credentials.BearerToken);
        using var info = JsonDocument.Parse(_plugin.RecordedExecInfo);
        Assert.Equal(V1Beta1, info.RootElement.GetProperty("apiVersion").GetString());
    }

    [Fact]
    public async Task GetAsync_CommandFoundOnPath_RunsIt()
    {
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials(command: "sh", args: $"[\"{_plugin.Dir.PathOf("bin/plugin.sh")}\"]");

        Assert.Equal("tok-1-hello", (await source.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public async Task GetAsync_CalledTwiceBeforeExpiry_RunsPluginOnce()
    {
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials();

        var first = await source.GetBoundedAsync();
        _plugin.Time.Advance(TimeSpan.FromMinutes(4));
        var second = await source.GetBoundedAsync();

        Assert.Equal("tok-1-hello", first.BearerToken);
        Assert.Equal("tok-1-hello", second.BearerToken);
        Assert.Equal(1, _plugin.Runs);
    }

    [Fact]
    public async Task GetAsync_ManyCallersAtOnce_RunPluginOnce()
    {
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials();

        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => source.GetBoundedAsync()));

        Assert.All(all, c => Assert.Equal("tok-1-hello", c.BearerToken));
        Assert.Equal(1, _plugin.Runs);
    }

    [Fact]
    public async Task GetAsync_RefreshMarginBeforeExpiry_RunsPluginAgain()
    {
        // Expires at 00:05:00; refreshed from 00:04:50 on (RefreshMargin = 10 s).
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials();
        await source.GetBoundedAsync();

        _plugin.Time.Advance(TimeSpan.FromMinutes(5) - ExecCredentialPlugin.RefreshMargin - TimeSpan.FromSeconds(1));
        var justBefore = await source.GetBoundedAsync();
        _plugin.Time.Advance(TimeSpan.FromSeconds(1));
        var atMargin = await source.GetBoundedAsync();

        Assert.Equal("tok-1-hello", justBefore.BearerToken);
        Assert.Equal("tok-2-hello", atMargin.BearerToken);
        Assert.Equal(2, _plugin.Runs);
    }

    [Fact]
    public async Task GetAsync_NoExpirationTimestamp_CachedUntilInvalidated()
    {
        _plugin.WriteAnswering(expiry: null);
        var source = _plugin.LoadCredentials();
        await source.GetBoundedAsync();

        _plugin.Time.Advance(TimeSpan.FromDays(3));
        var later = await source.GetBoundedAsync();
        source.Invalidate();
        var afterInvalidate = await source.GetBoundedAsync();

        Assert.Equal("tok-1-hello", later.BearerToken);
        Assert.Equal("tok-2-hello", afterInvalidate.BearerToken);
    }

    [Fact]
    public async Task Invalidate_AfterA401_NextGetRunsPluginAgainBeforeExpiry()
    {
        _plugin.WriteAnswering();
        var source = _plugin.LoadCredentials();
        await source.GetBoundedAsync();

        source.Invalidate();
        var fresh = await source.GetBoundedAsync();
        var cached = await source.GetBoundedAsync();

        Assert.Equal("tok-2-hello", fresh.BearerToken);
        Assert.Equal("tok-2-hello", cached.BearerToken);
        Assert.Equal(2, _plugin.Runs);
    }

    [Fact]
    public async Task GetAsync_AnswerWithClientCertificateData_ReturnsCertificateWithKey()
    {
        var client = TestCertificates.Create("exec-user", isCa: false);
        var answer = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["apiVersion"] = V1,
            ["kind"] = "ExecCredential",
            ["status"] = new Dictionary<string, string>
            {
                ["clientCertificateData"] = client.CertificatePem,
                ["clientKeyData"] = client.KeyPem,
            },
        }, ExecAnswerJsonContext.Default.DictionaryStringObject);
        _plugin.Dir.Write("bin/answer.json", answer);
        _plugin.WriteScript("cat \"$dir/answer.json\"");
        var source = _plugin.LoadCredentials();

        var credentials = await source.GetBoundedAsync();

        Assert.Null(credentials.BearerToken);
        Assert.Equal(client.Certificate.Thumbprint, credentials.ClientCertificate!.Thumbprint);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
    }
}
