using System.Globalization;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Api;

public sealed class ModesTests
{
    [Fact]
    public Task PlainHttp_KubeconfigAndKubectlWork() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { PlainHttp = true });
        Assert.Equal("http", sim.ApiUri.Scheme);
        Assert.DoesNotContain("certificate-authority-data", await File.ReadAllTextAsync(sim.KubeconfigPath, ct), StringComparison.Ordinal);
        using var kubectl = new Support.Kubectl(sim);
        var (code, stdout, stderr) = await kubectl.RunAsync(ct, "get", "nodes", "-o", "name");
        Assert.True(code == 0, stderr);
        Assert.Equal(sim.NodeNames.Select(n => "node/" + n), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var wrong = new HttpClient { BaseAddress = sim.ApiUri };
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(401, (int)(await wrong.GetAsync("/api/v1/nodes", ct)).StatusCode);
        Assert.Contains(sim.Audit(), e => e.Identity == "anonymous" && e.Resource == "nodes");
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task Watch_SendInitialEvents_EndsInitialStateWithAnnotatedBookmark() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var types = new List<string>();
        await foreach (var e in SimHttp.WatchAsync(client, "/api/v1/nodes?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", ct))
        {
            var type = e.RootElement.GetProperty("type").GetString()!;
            types.Add(type);
            if (type == "BOOKMARK")
            {
                var meta = e.RootElement.GetProperty("object").GetProperty("metadata");
                Assert.Equal("true", meta.GetProperty("annotations").GetProperty("k8s.io/initial-events-end").GetString());
                Assert.Equal(sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture), meta.GetProperty("resourceVersion").GetString());
                break;
            }
        }
        Assert.Equal([.. Enumerable.Repeat("ADDED", sim.Store.Count(ResourceTypes.Nodes)), "BOOKMARK"], types);
    });

    [Fact]
    public Task ExtraIdentity_IsAcceptedByApiAndKubelets() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { ExtraTokens = new Dictionary<string, string> { ["node-agent"] = "na-token" } });
        using var api = SimHttp.Client(sim, "na-token");
        Assert.Equal(200, (await SimHttp.GetJsonAsync(api, "/api/v1/nodes", ct)).Status);
        using var kubelet = SimHttp.Client(sim, "na-token", sim.KubeletUri(sim.NodeNames[2]));
        Assert.Equal(200, (await SimHttp.GetJsonAsync(kubelet, "/pods", ct)).Status);
    });
}
