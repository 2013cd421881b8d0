using System.Text;
using Dca.Node.Collection;
using Dca.Protocol.Intake;

namespace Dca.Node.Tests;

public class OpenMetricsWriterTests
{
    private static async Task<string> RenderAsync(IReadOnlyList<MetricSample> samples, IReadOnlyList<CounterSample>? counters = null)
    {
        using var output = new MemoryStream();
        await OpenMetricsWriter.WriteAsync(new KubeletCollection(samples, counters ?? [], 0, 0), output, CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public async Task WriteAsync_LargeCollection_IsWrittenWholeAcrossChunks()
    {
        var samples = Enumerable.Range(0, 5000).Select(i => Gauge("m", i, "pod_name:p" + i, "long:" + new string('x', 100))).ToList();
        using var output = new MemoryStream();

        await OpenMetricsWriter.WriteAsync(new KubeletCollection(samples, [], 0, 0), output, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5002, lines.Length);
        Assert.Equal("m{long=\"" + new string('x', 100) + "\",pod_name=\"p4999\"} 4999", lines[^1]);
    }

    private static MetricSample Gauge(string metric, double value, params string[] tags) => new(metric, MetricType.Gauge, value, 1, tags, "h");

    [Fact]
    public async Task Render_TagsBecomeSortedLabels_NamesAreSanitised()
    {
        var text = await RenderAsync([Gauge("kubernetes.ephemeral-storage.requests", 1.5, "pod_name:web-1", "kube_namespace:shop", "kube_service:b", "kube_service:a", "standalone", "display.name:x\"y\\z")]);

        Assert.Equal(
            "# HELP kubernetes_ephemeral_storage_requests Datadog metric kubernetes.ephemeral-storage.requests\n" +
            "# TYPE kubernetes_ephemeral_storage_requests gauge\n" +
            "kubernetes_ephemeral_storage_requests{display_name=\"x\\\"y\\\\z\",kube_namespace=\"shop\",kube_service=\"a,b\",pod_name=\"web-1\"} 1.5\n",
            text);
    }

    [Fact]
    public async Task Render_RateMetrics_AreExposedAsCumulativeCounters()
    {
        var text = await RenderAsync(
            [Gauge("kubernetes.cpu.usage.total", 2e8, "a:1"), Gauge("kubernetes.network.rx_bytes", 10, "a:1")],
            [new CounterSample("kubernetes.cpu.usage.total", 103e9, ["a:1"]), new CounterSample("kubernetes.network.rx_bytes", 31000, ["a:1"])]);

        Assert.Contains("# TYPE kubernetes_cpu_usage_total counter\nkubernetes_cpu_usage_total{a=\"1\"} 103000000000\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kubernetes_network_rx_bytes_total counter\nkubernetes_network_rx_bytes_total{a=\"1\"} 31000\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_SameLabelsTwice_KeepsOneSampleSoTheScrapeIsNotRejected()
    {
        var text = await RenderAsync([Gauge("m", 1, "a:1"), Gauge("m", 2, "a:1"), Gauge("m", 3, "a:2")]);

        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("m{", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("2xx.count", "_2xx_count")]
    [InlineData("ok_name:sub", "ok_name:sub")]
    public void MetricName_IsValidForPrometheus(string name, string expected) => Assert.Equal(expected, OpenMetricsWriter.MetricName(name));

    [Theory]
    [InlineData("__reserved", "tag__reserved")]
    [InlineData("a:b", "a_b")]
    [InlineData("9lives", "_9lives")]
    public void LabelName_IsValidForPrometheus(string name, string expected) => Assert.Equal(expected, OpenMetricsWriter.LabelName(name));
}
