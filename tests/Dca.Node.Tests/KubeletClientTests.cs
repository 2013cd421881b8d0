using System.Net;
using Dca.Node.Kubelet;
using Dca.Sim;
using Dca.Sim.Faults;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dca.Node.Tests;

/// <summary>The kubelet client against the simulator's kubelets, including its fault switches.</summary>
public sealed class KubeletClientTests : IAsyncLifetime
{
    private Simulator _sim = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sim = await Simulator.StartAsync(new SimulatorOptions { RunActivity = false });
        _dir = Directory.CreateTempSubdirectory("dca-node-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.crt"), _sim.CaCertificatePem);
        await File.WriteAllTextAsync(Path.Combine(_dir, "token"), _sim.Token + "\n");
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private KubeletClient Client(Func<KubeletClientOptions, KubeletClientOptions>? change = null)
    {
        var node = _sim.NodeNames[0];
        var options = new KubeletClientOptions
        {
            Host = _sim.NodeAddress(node).ToString(),
            HttpsPort = _sim.KubeletPort,
            CaFile = Path.Combine(_dir, "ca.crt"),
            TokenFile = Path.Combine(_dir, "token"),
            RequestTimeout = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        return new KubeletClient(change?.Invoke(options) ?? options);
    }

    [Fact]
    public async Task GetPodsAndStats_VerifiedTlsWithTheToken_ReturnTheNodesPods()
    {
        using var client = Client();

        var pods = await client.GetPodsAsync(CancellationToken.None);
        var stats = await client.GetStatsSummaryAsync(CancellationToken.None);

        Assert.Equal(20, pods.Items!.Count);
        Assert.All(pods.Items!, p => Assert.Equal(_sim.NodeNames[0], p!.Spec!.NodeName));
        Assert.Equal(_sim.NodeNames[0], stats.Node!.NodeName);
        Assert.Equal(20, stats.Pods!.Count);
    }

    [Fact]
    public async Task TokenFile_IsReReadWhenItChanges()
    {
        using var client = Client();
        await client.GetPodsAsync(CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(_dir, "token"), "rotated-but-wrong");
        File.SetLastWriteTimeUtc(Path.Combine(_dir, "token"), DateTime.UtcNow.AddMinutes(1));

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Unauthorized, e.Failure);
        Assert.Contains("DD_KUBELET_AUTH_TOKEN_PATH", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rotated-but-wrong", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_NamesTheMissingRbac()
    {
        _sim.SetFaults(new FaultSettings { KubeletStatus = 403 });
        using var client = Client();

        var pods = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));
        var stats = await Assert.ThrowsAsync<KubeletException>(() => client.GetStatsSummaryAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Forbidden, pods.Failure);
        Assert.Contains("nodes/proxy", pods.Message, StringComparison.Ordinal);
        Assert.Contains("nodes/stats", stats.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_IsAClearErrorNotACrash()
    {
        _sim.SetFaults(new FaultSettings { KubeletMalformed = true });
        using var client = Client();

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Malformed, e.Failure);
        Assert.StartsWith("kubelet /pods returned malformed JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stalled_TimesOutNamingThePort()
    {
        _sim.SetFaults(new FaultSettings { KubeletStall = true });
        using var client = Client(o => o with { RequestTimeout = TimeSpan.FromMilliseconds(500) });

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Timeout, e.Failure);
        Assert.Contains($"port {_sim.KubeletPort}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCa_FailsVerificationWithTheFix()
    {
        using var client = Client(o => o with { CaFile = null });

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Tls, e.Failure);
        Assert.Contains("DD_KUBELET_CLIENT_CA", e.Message, StringComparison.Ordinal);
        Assert.Contains("DD_KUBELET_TLS_VERIFY=false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsVerifyOff_AcceptsTheSelfSignedKubelet()
    {
        using var client = Client(o => o with { CaFile = null, VerifyTls = false });

        Assert.Equal(20, (await client.GetPodsAsync(CancellationToken.None)).Items!.Count);
    }

    [Fact]
    public async Task NothingListening_SaysSoAndNamesThePortOption()
    {
        var port = FreePort.Next();
        using var client = Client(o => o with { Host = "127.0.0.1", HttpsPort = port });

        var e = await Assert.ThrowsAsync<KubeletException>(() => client.GetPodsAsync(CancellationToken.None));

        Assert.Equal(KubeletFailure.Unreachable, e.Failure);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("DD_KUBERNETES_HTTPS_KUBELET_PORT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyPort_IsTriedOnlyWhenConfigured_AndWithoutTheToken()
    {
        var tokens = new List<string?>();
        await using var readOnly = await ReadOnlyKubelet.StartAsync(tokens);
        var closed = FreePort.Next();
        using var without = Client(o => o with { Host = "127.0.0.1", HttpsPort = closed });
        using var with = Client(o => o with { Host = "127.0.0.1", HttpsPort = closed, HttpPort = readOnly.Port });

        await Assert.ThrowsAsync<KubeletException>(() => without.GetPodsAsync(CancellationToken.None));
        var pods = await with.GetPodsAsync(CancellationToken.None);

        Assert.Single(pods.Items!);
        Assert.Equal(new Uri($"http://127.0.0.1:{readOnly.Port}/"), with.BaseAddress);
        Assert.Equal([null], tokens);
    }

    /// <summary>A plain-http kubelet read-only port answering one pod.</summary>
    private sealed class ReadOnlyKubelet : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ReadOnlyKubelet(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public static async Task<ReadOnlyKubelet> StartAsync(List<string?> tokens)
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            app.Run(async ctx =>
            {
                tokens.Add(ctx.Request.Headers.Authorization.Count == 0 ? null : ctx.Request.Headers.Authorization.ToString());
                await ctx.Response.WriteAsync("""{"items":[{"metadata":{"name":"p","namespace":"n","uid":"u"}}]}""");
            });
            await app.StartAsync();
            return new ReadOnlyKubelet(app, port);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
