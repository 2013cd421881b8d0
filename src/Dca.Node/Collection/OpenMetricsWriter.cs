using System.Globalization;
using System.Text;

namespace Dca.Node.Collection;

/// <summary>
/// The collection in the Prometheus text format (<c>/metrics</c> on <c>DD_OPENMETRICS_PORT</c>). Names are
/// the Datadog names sanitised for Prometheus (<c>kubernetes.cpu.usage.total</c> →
/// <c>kubernetes_cpu_usage_total</c>); tags become labels (<c>kube_service:web</c> → <c>kube_service="web"</c>,
/// several values of one tag joined with <c>,</c>; tags without a value are left out). Gauges carry the
/// value sent to Datadog; the metrics Datadog receives as rates are exposed as the kubelet's cumulative
/// counters (suffix <c>_total</c>), for PromQL's <c>rate()</c>.
/// </summary>
internal static class OpenMetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Writes the exposition to <paramref name="output"/> in chunks of about 16 KB, so a scrape of a busy
    /// node never builds the megabytes of text in memory.
    /// </summary>
    public static async Task WriteAsync(KubeletCollection collection, Stream output, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder(20 * 1024);
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(24 * 1024));
        try
        {
            async Task FlushIfFull(bool force)
            {
                if (sb.Length > 0 && (force || sb.Length >= 16 * 1024))
                {
                    foreach (var chunk in sb.GetChunks())
                    {
                        var n = Encoding.UTF8.GetBytes(chunk.Span, bytes);
                        await output.WriteAsync(bytes.AsMemory(0, n), cancellationToken);
                    }
                    sb.Clear();
                }
            }
            var rateNames = new HashSet<string>(collection.Counters.Select(c => c.Metric), StringComparer.Ordinal);
            // Samples of one container or pod share one tag array: render its labels once per scrape.
            var labels = new Dictionary<IReadOnlyList<string>, string>(ReferenceEqualityComparer.Instance);
            foreach (var group in collection.Samples.Where(s => !rateNames.Contains(s.Metric)).GroupBy(s => s.Metric, StringComparer.Ordinal))
            {
                var name = MetricName(group.Key);
                Header(sb, name, group.Key, "gauge", "");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var sample in group)
                {
                    Line(sb, name, LabelsOf(labels, sample.Tags), sample.Value, seen);
                    await FlushIfFull(false);
                }
            }
            foreach (var group in collection.Counters.GroupBy(c => c.Metric, StringComparer.Ordinal))
            {
                var name = MetricName(group.Key);
                name = name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";
                Header(sb, name, group.Key, "counter", " (cumulative; Datadog receives its per-second rate)");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var counter in group)
                {
                    Line(sb, name, LabelsOf(labels, counter.Tags), counter.Value, seen);
                    await FlushIfFull(false);
                }
            }
            await FlushIfFull(true);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static void Header(StringBuilder sb, string name, string datadogName, string type, string note) =>
        sb.Append("# HELP ").Append(name).Append(" Datadog metric ").Append(datadogName).Append(note).Append('\n')
          .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static string LabelsOf(Dictionary<IReadOnlyList<string>, string> cache, IReadOnlyList<string> tags)
    {
        if (!cache.TryGetValue(tags, out var labels))
        {
            cache[tags] = labels = Labels(tags);
        }
        return labels;
    }

    private static void Line(StringBuilder sb, string name, string labels, double value, HashSet<string> seen)
    {
        // Two samples with the same labels would make Prometheus reject the whole scrape: keep the first.
        if (!seen.Add(labels))
        {
            return;
        }
        sb.Append(name).Append(labels).Append(' ').Append(FormatValue(value)).Append('\n');
    }

    /// <summary><c>{k="v",...}</c> from Datadog tags, sorted by label name.</summary>
    public static string Labels(IReadOnlyList<string> tags)
    {
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var colon = tag.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == tag.Length - 1)
            {
                continue;
            }
            var label = LabelName(tag[..colon]);
            if (!byName.TryGetValue(label, out var values))
            {
                byName[label] = values = [];
            }
            var value = tag[(colon + 1)..];
            if (!values.Contains(value))
            {
                values.Add(value);
            }
        }
        if (byName.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder("{");
        foreach (var (label, values) in byName)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }
            values.Sort(StringComparer.Ordinal);
            sb.Append(label).Append("=\"");
            Escape(sb, string.Join(',', values));
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>A Prometheus metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, other characters as <c>_</c>.</summary>
    public static string MetricName(string name) => Sanitise(name, allowColon: true);

    /// <summary>A Prometheus label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, not starting with <c>__</c> (reserved).</summary>
    public static string LabelName(string name)
    {
        var sanitised = Sanitise(name, allowColon: false);
        return sanitised.StartsWith("__", StringComparison.Ordinal) ? "tag" + sanitised : sanitised;
    }

    private static string Sanitise(string name, bool allowColon)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (c == ':' && allowColon) || c is >= '0' and <= '9';
            if (!ok)
            {
                chars[i] = '_';
            }
        }
        var result = new string(chars);
        return result.Length > 0 && char.IsAsciiDigit(name[0]) ? "_" + result : result;
    }

    private static void Escape(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '"' => sb.Append("\\\""),
                '\n' => sb.Append("\\n"),
                _ => sb.Append(c),
            };
        }
    }

    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
            : value.ToString("R", CultureInfo.InvariantCulture);
}
