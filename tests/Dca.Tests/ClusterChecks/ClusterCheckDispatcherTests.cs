using Dca.ClusterChecks;
using Dca.Testing;

namespace Dca.Tests.ClusterChecks;

public sealed class ClusterCheckDispatcherTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private static CheckConfig Http(int i) => new("http_check", "{}", [$$"""{"url":"http://10.96.0.{{i}}"}"""], "kube_services",
        $"kube_services:kube_service://default/svc-{i}", $"kube_service://default/svc-{i}", [$"kube_service://default/svc-{i}"]);

    private ClusterCheckDispatcher WarmedUp(int configs, params string[] nodes)
    {
        var d = new ClusterCheckDispatcher(_clock);
        d.BecomeLeader();
        d.SetConfigs(Enumerable.Range(1, configs).Select(Http));
        foreach (var node in nodes)
        {
            Assert.True(d.Heartbeat(node, 0), "during warm-up every node is told it is up to date");
        }
        Assert.Equal(0, d.Tick());
        _clock.Advance(ClusterCheckDispatcher.WarmUp);
        foreach (var node in nodes)
        {
            d.Heartbeat(node, 0);
        }
        return d;
    }

    [Fact]
    public void AfterWarmUp_EveryConfigRunsOnExactlyOneNode_Evenly()
    {
        var d = WarmedUp(10, "node-a", "node-b", "node-c");
        Assert.Equal(10, d.Tick());
        var placed = new[] { "node-a", "node-b", "node-c" }.Select(n => d.ConfigsOf(n)!.Value.Configs).ToList();
        Assert.Equal([4, 3, 3], placed.Select(p => p.Count));
        Assert.Equal(10, placed.SelectMany(p => p).Distinct().Count());
        Assert.Empty(d.Dangling());
        Assert.Equal(0, d.Tick());
    }

    [Fact]
    public void Heartbeat_UpToDateOnlyWithTheCurrentLastChange_WhichMovesOnEveryChange()
    {
        var d = WarmedUp(2, "node-a");
        Assert.True(d.Heartbeat("node-a", 0), "until the first placement after the warm-up, node agents keep what they run");
        d.Tick();
        Assert.False(d.Heartbeat("node-a", 0));
        var (first, configs) = d.ConfigsOf("node-a")!.Value;
        Assert.Equal(2, configs.Count);
        Assert.True(d.Heartbeat("node-a", first));
        // A change in the same millisecond still moves last_change.
        d.SetConfigs([Http(1)]);
        var (second, after) = d.ConfigsOf("node-a")!.Value;
        Assert.True(second > first);
        Assert.Single(after);
        Assert.False(d.Heartbeat("node-a", first));
        Assert.True(d.Heartbeat("node-a", second));
    }

    [Fact]
    public void SameConfigsAgain_ChangeNothing()
    {
        var d = WarmedUp(3, "node-a", "node-b");
        d.Tick();
        var before = d.ConfigsOf("node-a")!.Value;
        d.SetConfigs(Enumerable.Range(1, 3).Select(Http));
        Assert.Equal(0, d.Tick());
        Assert.Equal(before.LastChange, d.ConfigsOf("node-a")!.Value.LastChange);
        Assert.Equal(before.Configs.Select(c => c.Source), d.ConfigsOf("node-a")!.Value.Configs.Select(c => c.Source));
    }

    [Fact]
    public void SilentNode_ExpiresAndItsConfigsMoveToTheOthers()
    {
        var d = WarmedUp(6, "node-a", "node-b", "node-c");
        d.Tick();
        var lost = d.ConfigsOf("node-b")!.Value.Configs.Select(c => c.Source).ToList();
        Assert.Equal(2, lost.Count);
        _clock.Advance(TimeSpan.FromSeconds(20));
        d.Heartbeat("node-a", 0);
        d.Heartbeat("node-c", 0);
        Assert.Equal(0, d.Tick());
        _clock.Advance(TimeSpan.FromSeconds(11));
        d.Heartbeat("node-a", 0);
        d.Heartbeat("node-c", 0);
        Assert.Equal(2, d.Tick());
        Assert.Null(d.ConfigsOf("node-b"));
        var now = d.ConfigsOf("node-a")!.Value.Configs.Concat(d.ConfigsOf("node-c")!.Value.Configs).Select(c => c.Source).ToList();
        Assert.Equal(6, now.Count);
        Assert.Superset(lost.ToHashSet(), now.ToHashSet());
        Assert.Equal([("node-a", 3), ("node-c", 3)], d.Nodes());
    }

    [Fact]
    public void NoNodes_ConfigsWaitAsDangling()
    {
        var d = WarmedUp(2);
        Assert.Equal(0, d.Tick());
        Assert.Equal(2, d.Dangling().Count);
        d.Heartbeat("node-late", 0);
        Assert.Equal(2, d.Tick());
        Assert.Empty(d.Dangling());
    }

    [Fact]
    public void NewTerm_WarmsUpAgainAndForgetsThePlacement()
    {
        var d = WarmedUp(2, "node-a");
        d.Tick();
        d.BecomeLeader();
        Assert.True(d.InWarmUp);
        Assert.True(d.Heartbeat("node-a", 12345), "node agents keep what they run during the new leader's warm-up");
        Assert.Equal(0, d.Tick());
        Assert.Empty(d.ConfigsOf("node-a")!.Value.Configs);
    }

    [Fact]
    public void EndpointsChecks_StayWithTheirNode_AndAreNotDispatched()
    {
        var d = WarmedUp(0, "node-a");
        var endpoint = Http(9) with { NodeName = "node-b", Provider = "kube_endpoints" };
        d.SetConfigs([endpoint, Http(1)]);
        Assert.Equal(1, d.Tick());
        Assert.Same(endpoint, Assert.Single(d.EndpointsConfigsOf("node-b")));
        Assert.Empty(d.EndpointsConfigsOf("node-a"));
        Assert.Equal(Http(1).Source, Assert.Single(d.ConfigsOf("node-a")!.Value.Configs).Source);
    }

    [Fact]
    public void UnknownNode_HasNoConfigs() => Assert.Null(new ClusterCheckDispatcher(_clock).ConfigsOf("nobody"));

    [Fact]
    public void Rebalance_MovesTheCostlyCheckOffTheBusiestNode_OnlyForARealImprovement()
    {
        var d = WarmedUp(4, "node-a", "node-b");
        d.Tick();
        var onA = d.ConfigsOf("node-a")!.Value;
        var onB = d.ConfigsOf("node-b")!.Value;
        var idsA = onA.Configs.Select(CheckConfigId.Of).ToList();
        var idsB = onB.Configs.Select(CheckConfigId.Of).ToList();
        // node-a's two checks are slow (900 and 300 ms), node-b's are fast (10 ms each).
        d.Heartbeat("node-a", onA.LastChange, new Dictionary<string, double> { [idsA[0]] = 900, [idsA[1]] = 300 });
        d.Heartbeat("node-b", onB.LastChange, new Dictionary<string, double> { [idsB[0]] = 10, [idsB[1]] = 10 });
        var move = Assert.Single(d.Rebalance());
        // 1,200 vs 20: moving the 900 ms check leaves a peak of 920, moving the 300 ms one 900: the lower peak wins.
        Assert.Equal((idsA[1], "node-a", "node-b", 300.0), (move.CheckId, move.SourceNodeName, move.DestNodeName, move.CheckWeight));
        Assert.False(d.Heartbeat("node-a", onA.LastChange), "both nodes' sets changed");
        Assert.False(d.Heartbeat("node-b", onB.LastChange));
        Assert.Equal(3, d.ConfigsOf("node-b")!.Value.Configs.Count);
        // 900 vs 320: moving the 900 ms check gives a peak of 1,220, worse; nothing moves again.
        Assert.Empty(d.Rebalance());
    }

    [Fact]
    public void Rebalance_WithoutMeasurements_EvensTheCounts_AndNothingMovesDuringWarmUp()
    {
        var d = WarmedUp(6, "node-a");
        d.Tick();
        d.Heartbeat("node-b", 0);
        d.Heartbeat("node-c", 0);
        Assert.Equal(4, d.Rebalance().Count);
        Assert.Equal([("node-a", 2), ("node-b", 2), ("node-c", 2)], d.Nodes());
        d.BecomeLeader();
        Assert.Empty(d.Rebalance());
    }

    [Fact]
    public void StopLeading_ForgetsNodes_AndPlacesNothing()
    {
        var d = WarmedUp(2, "node-a");
        d.StopLeading();
        Assert.False(d.IsLeading);
        Assert.True(d.Heartbeat("node-a", 0), "outside a term node agents keep what they run");
        Assert.Equal(0, d.Tick());
        Assert.Equal(2, d.Dangling().Count);
        Assert.Null(d.ConfigsOf("node-a"));
    }

    [Fact]
    public void LastChange_FromAnEarlierLeader_IsNeverMintedAgain()
    {
        var d = WarmedUp(1, "node-a");
        d.Tick();
        // node-b fetched from a leader whose clock was an hour ahead of ours.
        var future = _clock.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds();
        Assert.False(d.Heartbeat("node-b", future));
        Assert.True(d.ConfigsOf("node-b")!.Value.LastChange > future);
    }

    [Fact]
    public void ConfigsBody_IsTheWireShape_AndFollowsChanges()
    {
        var d = WarmedUp(1, "node-a");
        d.Tick();
        var body = d.ConfigsBody("node-a")!;
        var root = System.Text.Json.JsonDocument.Parse(body).RootElement;
        Assert.Equal(d.ConfigsOf("node-a")!.Value.LastChange, root.GetProperty("last_change").GetInt64());
        Assert.Equal("http_check", root.GetProperty("configs")[0].GetProperty("check_name").GetString());
        d.SetConfigs([]);
        Assert.Equal(0, System.Text.Json.JsonDocument.Parse(d.ConfigsBody("node-a")!).RootElement.GetProperty("configs").GetArrayLength());
        Assert.Null(d.ConfigsBody("ghost"));
    }
}
