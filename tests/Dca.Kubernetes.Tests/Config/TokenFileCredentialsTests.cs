using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>A token file rotated underneath a running process, the way the kubelet rotates projected tokens.</summary>
public sealed class TokenFileCredentialsTests : IDisposable
{
    private static readonly DateTime s_firstWrite = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();
    private readonly string _path;

    public TokenFileCredentialsTests()
    {
        _path = _dir.PathOf("token");
    }

    public void Dispose() => _dir.Dispose();

    private void WriteToken(string token, DateTime mtime)
    {
        File.WriteAllText(_path, token);
        File.SetLastWriteTimeUtc(_path, mtime);
    }

    private TokenFileCredentials Source() => new(_path, null, _time);

    [Fact]
    public async Task GetAsync_TokenWithTrailingNewline_ReturnsTrimmedToken()
    {
        WriteToken("first-token\n", s_firstWrite);

        var credentials = await Source().GetBoundedAsync();

        Assert.Equal("first-token", credentials.BearerToken);
    }

    [Fact]
    public async Task GetAsync_FileRotated_OldTokenUntilRecheckIntervalThenNewToken()
    {
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();

        WriteToken("second-token", s_firstWrite.AddMinutes(1));
        _time.Advance(TokenFileCredentials.RecheckInterval - TimeSpan.FromSeconds(1));
        var beforeRecheck = await source.GetBoundedAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        var afterRecheck = await source.GetBoundedAsync();

        Assert.Equal("first-token", beforeRecheck.BearerToken);
        Assert.Equal("second-token", afterRecheck.BearerToken);
    }

    [Fact]
    public async Task GetAsync_FileUnchangedAtRecheck_KeepsToken()
    {
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("first-token", (await source.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public async Task Invalidate_AfterRotation_NewTokenImmediately()
    {
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();
        WriteToken("second-token", s_firstWrite.AddMinutes(1));

        source.Invalidate();
        var credentials = await source.GetBoundedAsync();

        Assert.Equal("second-token", credentials.BearerToken);
    }

    [Fact]
    public async Task GetAsync_FileDeletedAfterGoodRead_KeepsLastGoodToken()
    {
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();

        File.Delete(_path);
        _time.Advance(TokenFileCredentials.RecheckInterval);

        Assert.Equal("first-token", (await source.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public async Task GetAsync_FileDeletedThenRewritten_PicksUpTheNewToken()
    {
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();
        File.Delete(_path);
        _time.Advance(TokenFileCredentials.RecheckInterval);
        await source.GetBoundedAsync();

        WriteToken("second-token", s_firstWrite.AddMinutes(1));
        _time.Advance(TokenFileCredentials.RecheckInterval);

        Assert.Equal("second-token", (await source.GetBoundedAsync()).BearerToken);
    }

    [Fact]
    public async Task GetAsync_FileTruncatedMidRewrite_KeepsLastGoodTokenThenReadsTheNewOne()
    {
        // A writer that truncates and then writes (no atomic rename) leaves an empty file for a moment.
        WriteToken("first-token", s_firstWrite);
        var source = Source();
        await source.GetBoundedAsync();

        WriteToken("", s_firstWrite.AddMinutes(1));
        _time.Advance(TokenFileCredentials.RecheckInterval);
        var whileEmpty = await source.GetBoundedAsync();
        WriteToken("second-token", s_firstWrite.AddMinutes(1));
        _time.Advance(TokenFileCredentials.RecheckInterval);
        var afterWrite = await source.GetBoundedAsync();

        Assert.Equal("first-token", whileEmpty.BearerToken);
        Assert.Equal("second-token", afterWrite.BearerToken);
    }

    [Fact]
    public async Task GetAsync_EmptyFile_ErrorNamesThePath()
    {
        WriteToken(" \n", s_firstWrite);

        var error = await Assert.ThrowsAsync<KubeConfigException>(() => Source().GetBoundedAsync());

        Assert.Contains(_path, error.Message, StringComparison.Ordinal);
        Assert.Contains("is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_FileMissing_ErrorNamesThePath()
    {
        var error = await Assert.ThrowsAsync<KubeConfigException>(() => Source().GetBoundedAsync());

        Assert.Contains($"cannot read token file {_path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_WithClientCertificate_ReturnsTokenAndCertificate()
    {
        var client = TestCertificates.Create("token-and-cert", isCa: false);
        WriteToken("first-token", s_firstWrite);

        var credentials = await new TokenFileCredentials(_path, client.Certificate, _time).GetBoundedAsync();

        Assert.Equal("first-token", credentials.BearerToken);
        Assert.Same(client.Certificate, credentials.ClientCertificate);
    }
}
