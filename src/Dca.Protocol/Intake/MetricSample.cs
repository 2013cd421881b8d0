using System.Buffers;
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
    /// Splits <paramref name="samples"/> into payloads of at most <paramref name="maxBytes"/> uncompressed
    /// bytes each (the intake refuses payloads over 5 MB uncompressed / 512 KB compressed).
    /// </summary>
    public static List<(byte[] Body, int Count)> Build(IReadOnlyList<MetricSample> samples, int maxBytes)
    {
        var payloads = new List<(byte[] Body, int Count)>();
        var buffer = new ArrayBufferWriter<byte>(Math.Min(maxBytes, 64 * 1024));
        var item = new ArrayBufferWriter<byte>(512);
        var count = 0;
        using var itemWriter = new Utf8JsonWriter(item);
        foreach (var sample in samples)
        {
            item.ResetWrittenCount();
            itemWriter.Reset(item);
            WriteSeries(itemWriter, sample);
            itemWriter.Flush();
            // 3: the comma and the closing ]}.
            if (count > 0 && buffer.WrittenCount + item.WrittenCount + 3 > maxBytes)
            {
                payloads.Add((Close(buffer), count));
                buffer.ResetWrittenCount();
                count = 0;
            }
            if (count == 0)
            {
                buffer.Write("{\"series\":["u8);
            }
            else
            {
                buffer.Write(","u8);
            }
            buffer.Write(item.WrittenSpan);
            count++;
        }
        if (count > 0)
        {
            payloads.Add((Close(buffer), count));
        }
        return payloads;
    }

    private static byte[] Close(ArrayBufferWriter<byte> buffer)
    {
        buffer.Write("]}"u8);
        return buffer.WrittenSpan.ToArray();
    }

    // JSON has no NaN or infinity; the intake would refuse the whole payload for one bad point.
    private static void WriteFinite(Utf8JsonWriter w, double value) => w.WriteNumberValue(double.IsFinite(value) ? value : 0);
}
