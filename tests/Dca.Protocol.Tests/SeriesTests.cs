using System.Text;
using System.Text.Json;
using Dca.Protocol.Intake;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Protocol.Tests;

public class SeriesTests
{
    private static byte[] Gunzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }
        return output.ToArray();
    }

    private static MetricSample Sample(int i) =>
        new("kubernetes.memory.usage", MetricType.Gauge, 1000 + i, 1700000000, ["kube_namespace:shop", "pod_name:web-" + i], "node-1");

    [Fact]
    public void Build_WritesTheV2SeriesShape()
    {
        var (body, count) = Assert.Single(SeriesPayload.Build([Sample(0), new MetricSample("kubernetes.cpu.usage.total", MetricType.Rate, double.NaN, 1700000000, [], "", 15)], 1 << 20));

        using var doc = JsonDocument.Parse(Gunzip(body));
        var series = doc.RootElement.GetProperty("series");
        Assert.Equal(2, count);
        Assert.Equal("kubernetes.memory.usage", series[0].GetProperty("metric").GetString());
        Assert.Equal(3, series[0].GetProperty("type").GetInt32());
        Assert.Equal(1700000000, series[0].GetProperty("points")[0].GetProperty("timestamp").GetInt64());
        Assert.Equal(1000, series[0].GetProperty("points")[0].GetProperty("value").GetDouble());
        Assert.Equal("pod_name:web-0", series[0].GetProperty("tags")[1].GetString());
        Assert.Equal("node-1", series[0].GetProperty("resources")[0].GetProperty("name").GetString());
        Assert.Equal("host", series[0].GetProperty("resources")[0].GetProperty("type").GetString());
        Assert.False(series[0].TryGetProperty("interval", out _));
        Assert.Equal(2, series[1].GetProperty("type").GetInt32());
        Assert.Equal(15, series[1].GetProperty("interval").GetInt32());
        // JSON cannot carry NaN: a bad point must not make the intake refuse the whole payload.
        Assert.Equal(0, series[1].GetProperty("points")[0].GetProperty("value").GetDouble());
    }

    [Fact]
    public void Build_SplitsPayloadsUnderTheSizeLimit_LosingNothing()
    {
        var samples = Enumerable.Range(0, 1000).Select(Sample).ToList();

        var payloads = SeriesPayload.Build(samples, 16 * 1024);

        Assert.True(payloads.Count > 5);
        Assert.All(payloads, p => Assert.True(Gunzip(p.Body).Length <= 16 * 1024));
        Assert.Equal(1000, payloads.Sum(p => p.Count));
        var names = payloads.SelectMany(p => JsonDocument.Parse(Gunzip(p.Body)).RootElement.GetProperty("series").EnumerateArray()
            .Select(s => s.GetProperty("tags")[1].GetString())).ToList();
        Assert.Equal(samples.Select(s => s.Tags[1]), names);
    }

    [Fact]
    public async Task SendSeriesAsync_PostsGzippedV2SeriesWithTheApiKey_RetryingThrottling()
    {
        await using var intake = await TestIntake.StartAsync();
        intake.Failures.Enqueue((System.Net.HttpStatusCode.TooManyRequests, 0));
        using var sink = new DatadogIntakeSink(
            new IntakeSinkOptions { ApiKey = "key-0123456789", BaseUri = intake.BaseUri, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxSeriesPayloadBytes = 8 * 1024 },
            TimeProvider.System, NullLogger<DatadogIntakeSink>.Instance);

        await sink.SendSeriesAsync([.. Enumerable.Range(0, 200).Select(Sample)], CancellationToken.None);

        var delivered = intake.Requests.Skip(1).ToList();
        Assert.All(intake.Requests, r => Assert.Equal(("/api/v2/series", "key-0123456789", "gzip"), (r.Path, r.ApiKey, r.Encoding)));
        Assert.Equal(200, delivered.Sum(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("series").GetArrayLength()));
        Assert.Equal(200, sink.Sent);
    }

    [Fact]
    public async Task JsonLinesSink_WritesOneSeriesPerLine()
    {
        var output = new StringWriter();
        using var sink = new JsonLinesSink(output);

        await sink.SendSeriesAsync([Sample(1), Sample(2)], CancellationToken.None);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        Assert.Equal("series", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal(1002, doc.RootElement.GetProperty("series").GetProperty("points")[0].GetProperty("value").GetDouble());
        Assert.Equal(Encoding.UTF8.GetByteCount(lines[0]), lines[0].Length);
    }
}
