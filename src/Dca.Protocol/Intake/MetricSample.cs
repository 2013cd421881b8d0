using System.IO.Compression;
using System.Text.Json;

namespace Dca.Protocol.Intake;

/// <summary>The metric types of Datadog's v2 series intake (<c>type</c> in <c>POST /api/v2/series</c>).</summary>
public enum MetricType
{
    Unspecified = 0,

    /// <summary>A number of occurrences during <see cref="MetricSample.IntervalSeconds"/>.</summary>
    Count = 1,

    /// <summary>A per-second rate over <see cref="MetricSample.IntervalSeconds"/>.</summary>
    Rate = 2,

    Gauge = 3,
}

/// <summary>
/// One point of one series, as the agents' aggregators flush it: the value is final (rates are already
/// per second, counts already deltas). <paramref name="Tags"/> is usually an array shared by every
/// sample of one container or pod, so a collection does not copy tag lists per metric.
/// </summary>
public readonly record struct MetricSample(
    string Metric,
    MetricType Type,
    double Value,
    long Timestamp,
    IReadOnlyList<string> Tags,
    string Host,
    int IntervalSeconds = 0);

/// <summary>Writes samples as the v2 series payload: <c>{"series":[{metric,type,points,tags,resources,interval}]}</c>.</summary>
public static class SeriesPayload
{
    /// <summary>Writes one sample as a v2 series object.</summary>
    public static void WriteSeries(Utf8JsonWriter w, in MetricSample s)
    {
        w.WriteStartObject();
        w.WriteString("metric", s.Metric);
        w.WriteNumber("type", (int)s.Type);
        if (s.IntervalSeconds > 0 && s.Type is MetricType.Rate or MetricType.Count)
        {
            w.WriteNumber("interval", s.IntervalSeconds);
        }
        w.WriteStartArray("points");
        w.WriteStartObject();
        w.WriteNumber("timestamp", s.Timestamp);
        w.WritePropertyName("value");
        WriteFinite(w, s.Value);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("tags");
        foreach (var tag in s.Tags)
        {
            w.WriteStringValue(tag);
        }
        w.WriteEndArray();
        if (s.Host.Length > 0)
        {
            w.WriteStartArray("resources");
            w.WriteStartObject();
            w.WriteString("name", s.Host);
            w.WriteString("type", "host");
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Splits <paramref name="samples"/> into gzip-compressed payloads of at most about
    /// <paramref name="maxBytes"/> uncompressed bytes each (the intake refuses payloads over 5 MB
    /// uncompressed / 512 KB compressed). The JSON is written straight into the compressor, so a
    /// collection never holds its uncompressed payload in memory.
    /// </summary>
    public static List<(byte[] Body, int Count)> Build(IReadOnlyList<MetricSample> samples, int maxBytes)
    {
        var payloads = new List<(byte[] Body, int Count)>();
        // Close a payload once it is within a margin of the limit: the next series must still fit.
        var threshold = maxBytes - Math.Min(maxBytes / 4, 64 * 1024);
        MemoryStream? buffer = null;
        GZipStream? gzip = null;
        Utf8JsonWriter? w = null;
        var count = 0;
        foreach (var sample in samples)
        {
            if (w is null)
            {
                buffer = new MemoryStream();
                gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true);
                w = new Utf8JsonWriter(gzip);
                w.WriteStartObject();
                w.WriteStartArray("series");
            }
            WriteSeries(w, sample);
            count++;
            if (w.BytesPending > 16 * 1024)
            {
                w.Flush();
            }
            if (w.BytesCommitted + w.BytesPending >= threshold)
            {
                payloads.Add((Close(w, gzip!, buffer!), count));
                w = null;
                count = 0;
            }
        }
        if (w is not null)
        {
            payloads.Add((Close(w, gzip!, buffer!), count));
        }
        return payloads;
    }

    private static byte[] Close(Utf8JsonWriter w, GZipStream gzip, MemoryStream buffer)
    {
        w.WriteEndArray();
        w.WriteEndObject();
        w.Dispose();
        gzip.Dispose();
        var body = buffer.ToArray();
        buffer.Dispose();
        return body;
    }

    // JSON has no NaN or infinity; the intake would refuse the whole payload for one bad point.
    private static void WriteFinite(Utf8JsonWriter w, double value) => w.WriteNumberValue(double.IsFinite(value) ? value : 0);
}
