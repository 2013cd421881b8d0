using Dca.Kubernetes.Config;
using Dca.Testing;
using static Dca.Kubernetes.Tests.Config.FakeExecPlugin;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Exec plugins that fail, answer nonsense, are missing, hang, or are abandoned by the caller.</summary>
public sealed class ExecCredentialPluginFailureTests : IDisposable
{
    private readonly FakeExecPlugin _plugin = new();

    public void Dispose() => _plugin.Dispose();

    [Fact]
    public async Task GetAsync_PluginExitsWithError_ErrorCarriesExitCodeAndFirstStderrLine()
    {
        _plugin.WriteScript("""
            echo "error: you must be logged in to the server (run example-login)" >&2
            echo "  at some/stack/frame" >&2
            exit 3
            """);
        var source = _plugin.LoadCredentials();

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("./bin/plugin.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("error: you must be logged in to the server (run example-login)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_PluginFailedOnce_NextGetRunsItAgain()
    {
        _plugin.WriteScript("echo 'first run fails' >&2\nexit 1");
        var source = _plugin.LoadCredentials();
        await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        _plugin.WriteAnswering();
        var credentials = await source.GetBoundedAsync();

        Assert.Equal("tok-1-hello", credentials.BearerToken);
    }

    [Fact]
    public async Task GetAsync_CommandMissing_ErrorNamesCommandAndInstallHint()
    {
        var source = _plugin.LoadCredentials(command: "./bin/not-installed-login");

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("./bin/not-installed-login", error.Message, StringComparison.Ordinal);
        Assert.Contains("Install the plugin with: brew install example-login", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task GetAsync_CommandNotOnPath_ErrorIncludesInstallHint()
    {
        var source = _plugin.LoadCredentials(command: "dca-test-no-such-login-plugin");

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("dca-test-no-such-login-plugin", error.Message, StringComparison.Ordinal);
        Assert.Contains("brew install example-login", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AnswerHasOtherApiVersion_ErrorNamesBothVersions()
    {
        _plugin.WriteAnswering(answerApiVersion: V1Beta1);
        var source = _plugin.LoadCredentials(configApiVersion: V1);

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains($"answered apiVersion {V1Beta1}, expected {V1}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AnswerIsNotJson_ErrorSaysItIsNotAnExecCredential()
    {
        _plugin.WriteScript("echo 'Please open https://login.example/device and enter code ABCD'");
        var source = _plugin.LoadCredentials();

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("not an ExecCredential", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AnswerWithoutTokenOrCertificate_ErrorSaysWhatIsMissing()
    {
        _plugin.WriteScript($$$"""echo '{"apiVersion":"{{{V1}}}","kind":"ExecCredential","status":{}}'""");
        var source = _plugin.LoadCredentials();

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("neither a token nor a client certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AnswerWithUnreadableExpiry_ErrorNamesTheField()
    {
        _plugin.WriteAnswering(expiry: "next tuesday");
        var source = _plugin.LoadCredentials();

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => source.GetBoundedAsync());

        Assert.Contains("expirationTimestamp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_CallerCancelsWhilePluginRuns_PluginIsKilled()
    {
        _plugin.WriteScript("echo $$ > \"$dir/pid.tmp\" && mv \"$dir/pid.tmp\" \"$dir/pid\"\nexec sleep 120");
        var source = _plugin.LoadCredentials();
        using var cancel = new CancellationTokenSource();

        var pending = source.GetAsync(cancel.Token).AsTask();
        var pid = await _plugin.PidAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithTimeout());
        await Wait.UntilAsync(() => ProcessGone(pid), $"the cancelled plugin (pid {pid}) to be killed", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task GetAsync_PluginRunsPastTimeout_FailsAndPluginIsKilled()
    {
        _plugin.WriteScript("echo $$ > \"$dir/pid.tmp\" && mv \"$dir/pid.tmp\" \"$dir/pid\"\nexec sleep 120");
        var source = _plugin.LoadCredentials();

        var pending = source.GetBoundedAsync();
        var pid = await _plugin.PidAsync();
        _plugin.Time.Advance(ExecCredentialPlugin.PluginTimeout);

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => pending);
        Assert.Contains("did not finish within 30 s", error.Message, StringComparison.Ordinal);
        await Wait.UntilAsync(() => ProcessGone(pid), $"the overrunning plugin (pid {pid}) to be killed", TimeSpan.FromSeconds(10));
    }
}
