using System.Globalization;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Api;

public sealed class AdminTests
{
    [Fact]
    public Task State_ReportsCountsAndResourceVersion() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (status, state) = await SimHttp.GetJsonAsync(client, "/sim/state", ct);
        Assert.Equal(200, status);
        Assert.Equal(sim.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture), state.RootElement.GetProperty("resourceVersion").GetString());
        Assert.Equal(30, state.RootElement.GetProperty("counts").GetProperty("pods").GetInt32());
        Assert.Equal(3, state.RootElement.GetProperty("counts").GetProperty("nodes").GetInt32());
        Assert.Equal(0, state.RootElement.GetProperty("faults").GetProperty("errorRate").GetDouble());
    });

    [Fact]
    public Task Faults_PostedJson_TakesEffectAndShowsInState() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (status, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/faults", """{"throttleRate":1,"retryAfterSeconds":7}""", ct);
        Assert.Equal(200, status);
        Assert.Equal((1.0, 7), (sim.Faults.ThrottleRate, sim.Faults.RetryAfterSeconds));
        Assert.Equal(429, (await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct)).Status);
        var (_, state) = await SimHttp.GetJsonAsync(client, "/sim/state", ct);
        Assert.Equal(7, state.RootElement.GetProperty("faults").GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal(200, (await SimHttp.SendJsonAsync(client, HttpMethod.Put, "/sim/faults", "{}", ct)).Status);
        Assert.Equal(200, (await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct)).Status);
        Assert.Equal(400, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/faults", """{"errorRate":2}""", ct)).Status);
    });

    [Fact]
    public Task Activity_PostedRates_TakeEffectAndBadValuesAreRejected() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var (status, _) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/activity", """{"churnPerSecond":100}""", ct);
        Assert.Equal(200, status);
        Assert.Equal((100.0, 0.0), (sim.Activity.ChurnPerSecond, sim.Activity.EventsPerSecond));
        var (_, shown) = await SimHttp.GetJsonAsync(client, "/sim/activity", ct);
        Assert.Equal(100, shown.RootElement.GetProperty("churnPerSecond").GetDouble());
        Assert.Equal(0, shown.RootElement.GetProperty("churnSteps").GetInt64());
        // Nothing is set when one rate is bad; unknown names are named in the error.
        Assert.Equal(400, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/activity", """{"eventsPerSecond":5,"churnPerSecond":-1}""", ct)).Status);
        Assert.Equal(0, sim.Activity.EventsPerSecond);
        var (unknown, error) = await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/activity", """{"churn":1}""", ct);
        Assert.Equal(400, unknown);
        Assert.Contains("churn", error.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(200, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/activity", """{"churnPerSecond":0}""", ct)).Status);
        Assert.Equal(0, sim.Activity.ChurnPerSecond);
    });

    [Fact]
    public Task Compact_Endpoint_ExpiresOlderVersions() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var old = sim.Store.ResourceVersion;
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"c","namespace":"default"}}""");
        Assert.Equal(200, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/compact", "{}", ct)).Status);
        Assert.Equal(sim.Store.ResourceVersion, sim.Store.CompactedResourceVersion);
        var ex = Assert.Throws<StatusException>(() => sim.Store.Watch(ResourceTypes.ConfigMaps, old.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(410, ex.Code);
    });

    [Fact]
    public Task Restart_Endpoint_RefusesWhileDown_ThenOlderVersionsAreExpired() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var client = SimHttp.Client(sim);
        var old = sim.Store.ResourceVersion;
        sim.Create(ResourceTypes.ConfigMaps, """{"metadata":{"name":"c","namespace":"default"}}""");

        Assert.Equal(200, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/restart", """{"downSeconds":30}""", ct)).Status);
        var (refused, status) = await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct);
        Assert.Equal(503, refused);
        Assert.Contains("restarting", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/restart", """{"downSeconds":0}""", ct)).Status);
        Assert.Equal(200, (await SimHttp.GetJsonAsync(client, "/api/v1/pods", ct)).Status);
        Assert.Equal(sim.Store.ResourceVersion, sim.Store.CompactedResourceVersion);
        Assert.Equal(410, Assert.Throws<StatusException>(() => sim.Store.Watch(ResourceTypes.ConfigMaps, old.ToString(CultureInfo.InvariantCulture))).Code);
        Assert.Equal(400, (await SimHttp.SendJsonAsync(client, HttpMethod.Post, "/sim/restart", """{"downSeconds":-1}""", ct)).Status);
    });

    [Fact]
    public Task Audit_RecordsVerbResourceByIdentityWithoutTokens() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct, o => o with { ExtraTokens = new Dictionary<string, string> { ["dca"] = "dca-secret-token" } });
        using var admin = SimHttp.Client(sim);
        using var dca = SimHttp.Client(sim, "dca-secret-token");
        dca.DefaultRequestHeaders.UserAgent.ParseAdd("datadog-cluster-agent/7.0");
        await SimHttp.GetJsonAsync(dca, "/api/v1/nodes", ct);
        await SimHttp.GetJsonAsync(dca, "/api/v1/nodes", ct);
        await SimHttp.GetJsonAsync(dca, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler", ct);
        await SimHttp.GetJsonAsync(admin, "/api/v1/namespaces/default/configmaps", ct);
        await SimHttp.GetJsonAsync(dca, "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Ddatadogtoken", ct);
        var (_, audit) = await SimHttp.GetJsonAsync(admin, "/sim/audit", ct);
        var entries = audit.RootElement.GetProperty("entries").EnumerateArray().ToList();
        var nodes = entries.Single(e => e.GetProperty("identity").GetString() == "dca" && e.GetProperty("resource").GetString() == "nodes");
        Assert.Equal(("list", 2, "datadog-cluster-agent/7.0"), (nodes.GetProperty("verb").GetString(), nodes.GetProperty("count").GetInt32(), nodes.GetProperty("userAgent").GetString()));
        var lease = entries.Single(e => e.GetProperty("resource").GetString() == "leases");
        Assert.Equal(("get", "coordination.k8s.io", "kube-system", "kube-scheduler"),
            (lease.GetProperty("verb").GetString(), lease.GetProperty("group").GetString(), lease.GetProperty("namespace").GetString(), lease.GetProperty("name").GetString()));
        Assert.Equal("", nodes.GetProperty("name").GetString());
        // A list narrowed to one name is authorized (and audited) as a request on that name.
        Assert.Contains(entries, e => e.GetProperty("identity").GetString() == "dca" && e.GetProperty("resource").GetString() == "configmaps"
            && e.GetProperty("verb").GetString() == "list" && e.GetProperty("name").GetString() == "datadogtoken");
        Assert.Contains(entries, e => e.GetProperty("identity").GetString() == "admin" && e.GetProperty("resource").GetString() == "configmaps");
        var raw = audit.RootElement.GetRawText();
        Assert.DoesNotContain("dca-secret-token", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(sim.Token, raw, StringComparison.Ordinal);
        Assert.Contains(sim.Audit(), e => e.Identity == "dca" && e.Verb == "get" && e.Resource == "leases");
    });
}
