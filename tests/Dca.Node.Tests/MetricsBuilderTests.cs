using Dca.Node.Collection;
using Dca.Node.Tagging;
using Dca.Node.Tests.Fixtures;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.Intake;

namespace Dca.Node.Tests;

public class MetricsBuilderTests
{
    private static readonly PodServices Services = new(new Dictionary<string, string[]> { ["shop/web-7d9f8b6c5-x2x4z"] = ["web"] });

    private static KubeletCollection Build(MetricsBuilder builder, double cpuSeconds, double rxBytes, string time = "2026-11-22T12:00:00Z", DateTimeOffset? now = null) =>
        builder.Build(KubeletFixtures.PodList(), KubeletFixtures.StatsSummary(cpuSeconds, rxBytes, time),
            pod => Tagger.Tag(pod, new TaggerSettings(), Services, _ => null, ["kube_cluster_name:test"]),
            ["kube_cluster_name:test"], "node-1", now ?? KubeletFixtures.Now);

    private static MetricSample[] Find(KubeletCollection c, string metric, params string[] tags) =>
        [.. c.Samples.Where(s => s.Metric == "kubernetes." + metric && tags.All(s.Tags.Contains))];

    private static double Single(KubeletCollection c, string metric, params string[] tags)
    {
        var found = Find(c, metric, tags);
        Assert.True(found.Length == 1, $"{metric} {string.Join(",", tags)}: {found.Length} samples");
        return found[0].Value;
    }

    [Fact]
    public void Build_PodList_GivesTheKubeletChecksPodMetrics()
    {
        var c = Build(new MetricsBuilder(new RateTracker()), 100, 1000);

        Assert.Equal(3, Single(c, "containers.restarts", "kube_container_name:app", "pod_name:web-7d9f8b6c5-x2x4z"));
        Assert.Equal(7, Single(c, "containers.restarts", "pod_name:web-7d9f8b6c5-q8kjw"));
        Assert.Equal(0.25, Single(c, "cpu.requests", "container_id:c-app"));
        Assert.Equal(1, Single(c, "cpu.limits", "container_id:c-app"));
        Assert.Equal(268435456, Single(c, "memory.requests", "container_id:c-app"));
        Assert.Equal(536870912, Single(c, "memory.limits", "container_id:c-app"));
        Assert.Equal(0.1, Single(c, "cpu.requests", "container_id:c-sidecar"));
        Assert.Equal(1, Single(c, "containers.last_state.terminated", "kube_container_name:app", "reason:oomkilled", "pod_name:web-7d9f8b6c5-x2x4z"));
        Assert.Equal(1, Single(c, "containers.state.waiting", "reason:crashloopbackoff"));
        Assert.Equal(1, Single(c, "containers.last_state.terminated", "reason:error"));
        Assert.Equal(60, Single(c, "pod.terminating.duration", "kube_cronjob:backup"));
        Assert.Equal(1, Single(c, "pods.expired"));
        // The completed init container gets no requests; the expired pod gets nothing at all.
        Assert.Empty(Find(c, "cpu.requests", "kube_container_name:migrate"));
        Assert.DoesNotContain(c.Samples, s => s.Tags.Contains("pod_name:old-job-x"));
    }

    [Fact]
    public void Build_RunningCounts_AreGroupedByLowCardinalityTags()
    {
        var c = Build(new MetricsBuilder(new RateTracker()), 100, 1000);

        // Two running containers of web pod 1 (distinct images), one of the backup pod; the crash-looping one is not running.
        Assert.Equal(3, Find(c, "containers.running").Sum(s => s.Value));
        Assert.All(Find(c, "containers.running"), s => Assert.DoesNotContain(s.Tags, t => t.StartsWith("pod_name:", StringComparison.Ordinal)));
        Assert.Equal(2, Find(c, "pods.running").Sum(s => s.Value));
        Assert.Equal(1, Single(c, "pods.running", "kube_deployment:web"));
    }

    [Fact]
    public void Build_Summary_GivesNodePodAndContainerFigures()
    {
        var c = Build(new MetricsBuilder(new RateTracker()), 100, 1000);

        Assert.Equal(14517391360, Single(c, "node.filesystem.usage"));
        Assert.Equal(0.13977132820196123, Single(c, "node.filesystem.usage_pct"), 12);
        Assert.Equal(77819904, Single(c, "kubelet.memory.rss"));
        Assert.Equal(58035303, Single(c, "runtime.cpu.usage"));
        Assert.Equal(80461824, Single(c, "memory.working_set", "container_id:c-app"));
        Assert.Equal(85618688, Single(c, "memory.usage", "container_id:c-app"));
        Assert.Equal(70000000, Single(c, "memory.rss", "container_id:c-app"));
        Assert.Equal(94208, Single(c, "filesystem.usage", "container_id:c-app"));
        Assert.Equal(17596416, Single(c, "ephemeral_storage.usage", "pod_name:web-7d9f8b6c5-x2x4z"));
        Assert.Contains("kube_service:web", Find(c, "memory.working_set", "container_id:c-app")[0].Tags);
        Assert.Contains("kube_cluster_name:test", Find(c, "node.filesystem.usage")[0].Tags);
        Assert.All(c.Samples, s => Assert.Equal("node-1", s.Host));
        // A container the pod list does not know, and a pod it does not know, are skipped.
        Assert.DoesNotContain(c.Samples, s => s.Tags.Contains("kube_container_name:not-in-pod-list"));
        // The first collection has no rates yet: they need two samples.
        Assert.Empty(Find(c, "cpu.usage.total"));
        Assert.Empty(Find(c, "network.rx_bytes"));
    }

    [Fact]
    public void Build_SecondCollection_TurnsCountersIntoPerSecondRates()
    {
        var builder = new MetricsBuilder(new RateTracker());
        Build(builder, 100, 1000, "2026-11-22T12:00:00Z");

        var c = Build(builder, 103, 31000, "2026-11-22T12:00:15Z");

        // 3 s of CPU over 15 s = 0.2 cores = 2e8 nanocores; 30,000 bytes over 15 s = 2,000 B/s.
        Assert.Equal(2e8, Single(c, "cpu.usage.total", "container_id:c-app"), 3);
        Assert.Equal(2000, Single(c, "network.rx_bytes", "pod_name:web-7d9f8b6c5-x2x4z"), 6);
        Assert.Equal(1000, Single(c, "network.tx_bytes", "pod_name:web-7d9f8b6c5-x2x4z"), 6);
        Assert.Equal(MetricType.Gauge, Find(c, "cpu.usage.total")[0].Type);
        Assert.Equal(103e9, c.Counters.Single(x => x.Metric == "kubernetes.cpu.usage.total").Value);
    }

    [Fact]
    public void Build_CounterGoesDown_SkipsOneRateThenResumesFromTheNewBaseline()
    {
        var builder = new MetricsBuilder(new RateTracker());
        Build(builder, 100, 100_000, "2026-11-22T12:00:00Z");

        // The kubelet restarted: counters start again from a small value.
        var afterRestart = Build(builder, 1, 500, "2026-11-22T12:00:15Z");
        var next = Build(builder, 4, 15_500, "2026-11-22T12:00:30Z");

        Assert.Empty(Find(afterRestart, "cpu.usage.total"));
        Assert.Empty(Find(afterRestart, "network.rx_bytes"));
        Assert.Equal(2e8, Single(next, "cpu.usage.total", "container_id:c-app"), 3);
        Assert.Equal(1000, Single(next, "network.rx_bytes", "pod_name:web-7d9f8b6c5-x2x4z"), 6);
    }

    [Fact]
    public void Build_SameStatsTimestampTwice_GivesNoRateInsteadOfZero()
    {
        var builder = new MetricsBuilder(new RateTracker());
        Build(builder, 100, 1000);

        var c = Build(builder, 100, 1000);

        Assert.Empty(Find(c, "cpu.usage.total"));
    }

    [Fact]
    public void RateTracker_ForgetsSeriesNotSeenInACollection()
    {
        var rates = new RateTracker();
        rates.Begin();
        rates.Sample("m", "a", 1, 1);
        rates.Sample("m", "b", 1, 1);
        rates.End();
        rates.Begin();
        rates.Sample("m", "a", 2, 2);
        rates.End();

        Assert.Equal(1, rates.Count);
    }

    [Theory]
    [InlineData("100m", 0.1)]
    [InlineData("1", 1)]
    [InlineData("1.5", 1.5)]
    [InlineData("200Mi", 209715200)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("2k", 2000)]
    [InlineData("1e3", 1000)]
    [InlineData("500M", 5e8)]
    public void Quantity_ParsesKubernetesQuantities(string text, double expected)
    {
        Assert.True(Quantity.TryParse(text, out var value));
        Assert.Equal(expected, value, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1Zi")]
    public void Quantity_Garbage_IsRejected(string text) => Assert.False(Quantity.TryParse(text, out _));
}
