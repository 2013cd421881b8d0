using System.IO.Compression;
using System.Text.Json;

namespace Dca.ExternalMetrics;

/// <summary>
/// Reads a Datadog <c>/api/v2/series</c> payload (what node agents send; gzip or deflate when
/// <c>Content-Encoding</c> says so) into the <see cref="AgentSeriesStore"/>: each series' metric, its last point,
/// its tags and its host resource. At most <see cref="MaxBody"/> bytes on the wire and once decompressed.
/// </summary>
public static class SeriesIntake
{
    /// <summary>The largest payload, on the wire and once decompressed (Datadog's intake takes 3.2 MB compressed per request).</summary>
    public const int MaxBody = 16 << 20;

    /// <summary>The timestamps a point may carry: the dates <see cref="DateTimeOffset"/> can hold (the API answers with one).</summary>
    private static readonly long s_firstSecond = DateTimeOffset.MinValue.ToUnixTimeSeconds(), s_lastSecond = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Returns the number of series read.</summary>
    /// <exception cref="PayloadTooLargeException">Larger than <see cref="MaxBody"/> once decompressed.</exception>
    /// <exception cref="FormatException">Not a v2 series payload, or badly encoded, with the reason.</exception>
    public static async Task<int> ReadAsync(Stream body, string? contentEncoding, AgentSeriesStore store, CancellationToken cancellationToken)
    {
        Stream decoded = contentEncoding?.Trim().ToLowerInvariant() switch
        {
            null or "" or "identity" => body,
            "gzip" => new GZipStream(body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(body, CompressionMode.Decompress, leaveOpen: true),
            var other => throw new FormatException($"Content-Encoding {other} is not supported (gzip, deflate or none)"),
        };
        await using (decoded)
        {
            using var buffer = new MemoryStream();
            try
            {
                var chunk = new byte[81_920];
                int read;
                while ((read = await decoded.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    if (buffer.Length + read > MaxBody)
                    {
                        throw new PayloadTooLargeException($"the payload is larger than {MaxBody >> 20} MiB once decompressed");
                    }
                    buffer.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException e)
            {
                throw new FormatException($"the body is not valid {contentEncoding}: {e.Message}", e);
            }
            // Parsed in place: the buffer is not copied again.
            return Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), store);
        }
    }

    private static int Parse(ReadOnlyMemory<byte> json, AgentSeriesStore store)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FormatException("the body is not JSON: " + e.Message.Split(" Path:")[0], e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("series", out var series) || series.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("the body is not a v2 series payload: {\"series\":[...]}");
            }
            var count = 0;
            foreach (var s in series.EnumerateArray())
            {
                try
                {
                    Add(s, count, store);
                }
                catch (InvalidOperationException e)
                {
                    // Valid JSON that is not text: an unpaired surrogate escape (\ud800), or bytes that are not UTF-8, in a string.
                    throw new FormatException($"series {count}: invalid text: {e.Message}", e);
                }
                count++;
            }
            return count;
        }
    }

    private static void Add(JsonElement s, int count, AgentSeriesStore store)
    {
        if (s.ValueKind != JsonValueKind.Object
            || !s.TryGetProperty("metric", out var metric) || metric.ValueKind != JsonValueKind.String
            || !s.TryGetProperty("points", out var points) || points.ValueKind != JsonValueKind.Array || points.GetArrayLength() == 0)
        {
            throw new FormatException($"series {count} has no metric name or no points");
        }
        var last = points[points.GetArrayLength() - 1];
        if (last.ValueKind != JsonValueKind.Object
            || !last.TryGetProperty("timestamp", out var ts) || ts.ValueKind != JsonValueKind.Number || !ts.TryGetInt64(out var timestamp)
            || !last.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var value))
        {
            throw new FormatException($"series {count} ({metric.GetString()}): a point is {{\"timestamp\":<seconds>,\"value\":<number>}}");
        }
        if (timestamp < s_firstSecond || timestamp > s_lastSecond)
        {
            throw new FormatException($"series {count} ({metric.GetString()}): timestamp {timestamp} is not a date (seconds since 1970)");
        }
        var tags = s.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
            ? t.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
        var host = "";
        if (s.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in resources.EnumerateArray())
            {
                if (r.ValueKind == JsonValueKind.Object && r.TryGetProperty("type", out var type) && type.ValueEquals("host")
                    && r.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    host = name.GetString()!;
                }
            }
        }
        store.Add(metric.GetString()!, host, tags, timestamp, value);
    }
}
