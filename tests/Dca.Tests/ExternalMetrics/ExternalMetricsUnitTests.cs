using Dca.ExternalMetrics;
using Dca.Testing;

namespace Dca.Tests.ExternalMetrics;

public sealed class ExternalMetricsUnitTests
{
    [Theory]
    [InlineData(15, "15")]
    [InlineData(1.5, "1500m")]
    [InlineData(0.0004, "0")]
    [InlineData(0.0005, "1m")]
    [InlineData(-2.25, "-2250m")]
    [InlineData(1e17, "100000000000000000")]
    [InlineData(1e20, "100000000000000000000")]
    public void Values_AreKubernetesQuantities(double value, string quantity) => Assert.Equal(quantity, KubeQuantity.Format(value));

    [Fact]
    public async Task PrometheusErrors_NameTheServer_WithoutItsUrlCredentials()
    {
        using var backend = new PrometheusBackend(new Uri($"http://prom:prom-secret@127.0.0.1:{FreePort.Next()}/"));

        var answer = await backend.QueryAsync("queue.depth", MetricSelector.Parse(""), CancellationToken.None).WithTimeout();

        Assert.StartsWith("Prometheus at http://***@127.0.0.1:", answer.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("prom-secret", answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier!=db", true)]
    [InlineData("app in (api, web)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("zone", false)]
    [InlineData("!zone", true)]
    [InlineData("tier!=front", false)]
    [InlineData("missing!=x", true)]
    public void Selectors_MatchTags_WithApimachinerySemantics(string selector, bool matches) =>
        Assert.Equal(matches, MetricSelector.Parse(selector).Matches(["app:web", "tier:front", "bare"]));

    [Theory]
    [InlineData("app in web", "a set is written (a,b)")]
    [InlineData("a b=c", "invalid key")]
    [InlineData("app=web,,x=y", "empty requirement")]
    public void MalformedSelectors_SayWhy(string selector, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => MetricSelector.Parse(selector)).Message, StringComparison.Ordinal);

    [Fact]
    public void Store_KeepsTheLatestPointPerSeries_IsBounded_AndForgetsWhatWentAway()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000_000));
        var store = new AgentSeriesStore(clock, TimeSpan.FromSeconds(120), maxSeries: 2);
        store.Add("m", "node-1", ["a:1"], 1_000_000, 10);
        store.Add("m", "node-1", ["a:1"], 999_990, 99); // older: ignored
        store.Add("m", "node-2", ["a:1"], 1_000_000, 20);
        store.Add("m", "node-3", ["a:1"], 1_000_000, 30); // a third series: over the bound
        Assert.Equal((2, 1L), (store.SeriesCount, store.Dropped));
        Assert.Equal(15, store.Query("M", MetricSelector.Parse("a=1")).Result);
        clock.Advance(TimeSpan.FromSeconds(121));
        Assert.True(store.Query("m", MetricSelector.Everything).IsStale);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(2, store.Prune());
        Assert.Empty(store.MetricNames());
    }

    [Fact]
    public void Store_TheTagIndexAnswersAsAFullScanWould()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000_000));
        var store = new AgentSeriesStore(clock, TimeSpan.FromSeconds(120));
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        store.Add("m", "node-1", ["app:web", "zone:a"], now, 10);
        store.Add("m", "node-2", ["app:web-2", "zone:b"], now, 20);
        store.Add("m", "node-3", ["app:api", "zone:b", "zone:a"], now, 30); // repeated key: the first in tag order counts (zone:a)
        store.Add("m", "node-4", ["app", "zone:b"], now, 40); // a bare tag: the label with an empty value
        Assert.Equal(10, store.Query("m", MetricSelector.Parse("app=web")).Result); // not web-2
        Assert.Equal(20, store.Query("m", MetricSelector.Parse("zone=a")).Result);
        Assert.Equal(30, store.Query("m", MetricSelector.Parse("zone=b,app!=api,app")).Result);
        Assert.Equal(40, store.Query("m", MetricSelector.Parse("app=,zone=b")).Result);
        Assert.Equal(20, store.Query("m", MetricSelector.Parse("zone=b,host=node-2")).Result);
        Assert.False(store.Query("m", MetricSelector.Parse("app=web,zone=b")).IsStale);
        Assert.Null(store.Query("m", MetricSelector.Parse("app=web,zone=b")).Result);
        Assert.Null(store.Query("m", MetricSelector.Parse("app=nothing")).Result);
        Assert.Equal(15, store.Query("m", MetricSelector.Parse("app in (web,web-2)")).Result);

        // Series that stop reporting leave the index with their points.
        clock.Advance(TimeSpan.FromMinutes(10));
        store.Add("m", "node-2", ["app:web-2", "zone:b"], clock.GetUtcNow().ToUnixTimeSeconds(), 21);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(3, store.Prune());
        Assert.Null(store.Query("m", MetricSelector.Parse("zone=a")).Result);
        Assert.True(store.Query("m", MetricSelector.Parse("zone=b")).IsStale);
    }

    [Fact]
    public void FrontProxyHeaders_RepeatedUser_FirstValueWins_EveryGroupLineIsOneGroup()
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary
        {
            ["X-Remote-User"] = new(["system:kube-controller-manager", "mallory"]),
            ["X-Remote-Group"] = new(["system:authenticated", "", "a, b"]),
        };

        var (user, groups) = FrontProxyAuthenticator.FromHeaders(headers, ["X-Remote-User"], ["X-Remote-Group"]);

        Assert.Equal("system:kube-controller-manager", user);
        Assert.Equal(["system:authenticated", "a, b"], groups);
    }

    [Fact]
    public void FrontProxyHeaders_FirstUserHeaderWithAValue_Wins()
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary { ["X-Remote-User"] = "", ["X-Proxy-User"] = "alice" };

        Assert.Equal("alice", FrontProxyAuthenticator.FromHeaders(headers, ["X-Remote-User", "X-Proxy-User"], []).User);
        Assert.Null(FrontProxyAuthenticator.FromHeaders(new Microsoft.AspNetCore.Http.HeaderDictionary(), ["X-Remote-User"], []).User);
    }
}
