using System.Text.Json;

namespace Dca.Protocol.ClusterAgent;

/// <summary>
/// What the cluster agent knows about one node's pods: the Services that select each pod
/// (<c>GET /api/v1/tags/pod/{node}</c>), keyed by <c>namespace/name</c>.
/// </summary>
public sealed class PodServices
{
    public static PodServices Empty { get; } = new(new Dictionary<string, string[]>());

    private readonly IReadOnlyDictionary<string, string[]> _byPod;

    public PodServices(IReadOnlyDictionary<string, string[]> byPod) => _byPod = byPod;

    public int PodCount => _byPod.Count;

    /// <summary>The Services selecting a pod (sorted), or an empty array.</summary>
    public string[] For(string ns, string pod) => _byPod.TryGetValue(Key(ns, pod), out var services) ? services : [];

    public static string Key(string ns, string pod) => string.Concat(ns, "/", pod);

    /// <summary>
    /// Reads <c>{"Nodes":{"&lt;node&gt;":{"services":{"&lt;ns&gt;":{"&lt;pod&gt;":{"&lt;svc&gt;":{}}}}}}}</c>.
    /// Service sets are objects (Go's sets.String); arrays are accepted too. A node missing from the
    /// answer is an error carrying the cluster agent's warning, as in the Datadog client.
    /// </summary>
    public static PodServices Parse(ReadOnlySpan<byte> json, string node)
    {
        try
        {
            return ParseDocument(json, node);
        }
        catch (InvalidOperationException e)
        {
            // A name or string that is not valid UTF-8, or a lone surrogate escape: valid JSON tokens, not text.
            throw new FormatException($"the pod metadata for node \"{node}\" has invalid text: {e.Message}", e);
        }
    }

    private static PodServices ParseDocument(ReadOnlySpan<byte> json, string node)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"expected a JSON object, got {root.ValueKind}");
        }
        if (!root.TryGetProperty("Nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object
            || !nodes.TryGetProperty(node, out var bundle) || bundle.ValueKind != JsonValueKind.Object)
        {
            var warning = root.TryGetProperty("Warnings", out var w) && w.ValueKind == JsonValueKind.Array && w.GetArrayLength() > 0
                && w[0].ValueKind == JsonValueKind.String
                ? ": " + w[0].GetString() : "";
            throw new FormatException($"the cluster agent returned no pod metadata for node \"{node}\"{warning}");
        }
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (bundle.TryGetProperty("services", out var services) && services.ValueKind == JsonValueKind.Object)
        {
            foreach (var ns in services.EnumerateObject())
            {
                if (ns.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                foreach (var pod in ns.Value.EnumerateObject())
                {
                    var names = pod.Value.ValueKind switch
                    {
                        JsonValueKind.Object => pod.Value.EnumerateObject().Select(p => p.Name).ToArray(),
                        JsonValueKind.Array => pod.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray(),
                        _ => [],
                    };
                    Array.Sort(names, StringComparer.Ordinal);
                    result[Key(ns.Name, pod.Name)] = names;
                }
            }
        }
        return new PodServices(result);
    }
}

/// <summary>Reads a flat JSON object of strings (<c>/api/v1/tags/node/{node}</c>, <c>/api/v1/tags/namespace/{ns}</c>).</summary>
public static class LabelMap
{
    public static IReadOnlyDictionary<string, string> Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return Read(json);
        }
        catch (InvalidOperationException e)
        {
            // A key or value that is not valid UTF-8, or a lone surrogate escape: valid JSON tokens, not text.
            throw new FormatException("the labels have invalid text: " + e.Message, e);
        }
    }

    private static Dictionary<string, string> Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            return new Dictionary<string, string>();
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException($"expected a JSON object of labels, got {reader.TokenType}");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                result[key] = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }
        return result;
    }
}
