using System.Buffers;
using System.Text.Json;

namespace Dca.Metadata;

/// <summary>
/// Serializes the API bodies exactly as Datadog's cluster agent writes them (PROTOCOL.md §1.3): Go
/// structs without JSON tags keep capitalised keys (<c>Nodes</c>, <c>Warnings</c>), the inner
/// <c>services</c> map is lower-case, and service sets are objects with empty-object values.
/// </summary>
internal static class MetadataBodies
{
    /// <summary><c>{"Nodes":{"node":{"services":{"ns":{"pod":{"svc":{}}}}}}}</c></summary>
    public static byte[] PodTags(string node, PodServices[] pods) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("Nodes");
        WriteNodeBundle(w, node, pods);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static void WriteNodeBundle(Utf8JsonWriter w, string node, PodServices[] pods)
    {
        w.WriteStartObject(node);
        w.WriteStartObject("services");
        string? currentNs = null;
        foreach (var pod in pods)
        {
            if (!string.Equals(pod.Namespace, currentNs, StringComparison.Ordinal))
            {
                if (currentNs is not null)
                {
                    w.WriteEndObject();
                }
                w.WriteStartObject(pod.Namespace);
                currentNs = pod.Namespace;
            }
            w.WriteStartObject(pod.Pod);
            foreach (var service in pod.Services)
            {
                w.WriteStartObject(service);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        if (currentNs is not null)
        {
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A flat JSON object of strings (labels, annotations).</summary>
    public static byte[] StringMap(IEnumerable<KeyValuePair<string, string>>? map) => Write(w => WriteMap(w, null, map));

    /// <summary><c>{"uid":"..."}</c></summary>
    public static byte[] Uid(string? uid) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("uid", uid ?? "");
        w.WriteEndObject();
    });

    /// <summary>
    /// The namespace metadata as Datadog's workloadmeta EntityMeta (a Go struct without JSON tags:
    /// capitalised keys; the node agent decodes it case-insensitively). See docs/protocol-compat.md.
    /// </summary>
    public static byte[] NamespaceMetadata(string name, string? uid, IEnumerable<KeyValuePair<string, string>>? labels, IEnumerable<KeyValuePair<string, string>>? annotations) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("Name", name);
        w.WriteString("Namespace", "");
        WriteMap(w, "Annotations", annotations);
        WriteMap(w, "Labels", labels);
        w.WriteString("UID", uid ?? "");
        w.WriteEndObject();
    });

    /// <summary>A JSON string body, e.g. the cluster id.</summary>
    public static byte[] String(string value) => Write(w => w.WriteStringValue(value));

    private static void WriteMap(Utf8JsonWriter w, string? property, IEnumerable<KeyValuePair<string, string>>? map)
    {
        if (property is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(property);
        }
        foreach (var (key, value) in (map ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }
        w.WriteEndObject();
    }

    private static readonly JsonWriterOptions s_options = new() { Indented = false, SkipValidation = false };

    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            body(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
