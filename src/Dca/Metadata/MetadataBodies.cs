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
    /// <param name="node">The node.</param>
    /// <param name="sorted">Its memberships, ordered by <see cref="MembershipOrder"/>; duplicates are written once.</param>
    public static byte[] PodTags(string node, List<Membership> sorted) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("Nodes");
        w.WriteStartObject(node);
        w.WriteStartObject("services");
        Membership? previous = null;
        foreach (var m in sorted)
        {
            var sameNs = previous is { } p && p.Namespace == m.Namespace;
            var samePod = sameNs && previous!.Value.Pod == m.Pod;
            if (samePod && previous!.Value.Service == m.Service)
            {
                continue;
            }
            if (!samePod && previous is not null)
            {
                w.WriteEndObject();
            }
            if (!sameNs)
            {
                if (previous is not null)
                {
                    w.WriteEndObject();
                }
                w.WriteStartObject(m.Namespace);
            }
            if (!samePod)
            {
                w.WriteStartObject(m.Pod);
            }
            w.WriteStartObject(m.Service);
            w.WriteEndObject();
            previous = m;
        }
        if (previous is not null)
        {
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>The <c>"node":{...}</c> member inside a <see cref="PodTags"/> body, for the all-nodes answer.</summary>
    public static ReadOnlySpan<byte> NodeMember(byte[] podTagsBody) =>
        // {"Nodes":{ ... }}  — skip the 10-byte prefix and the two closing braces.
        podTagsBody.AsSpan(10, podTagsBody.Length - 12);

    /// <summary>The services of one pod, read back from a node's body; null when the pod is not there.</summary>
    public static List<string>? ServicesOf(byte[] podTagsBody, string ns, string pod)
    {
        var reader = new Utf8JsonReader(podTagsBody);
        // Property depths: 1 Nodes, 2 the node, 3 services, 4 a namespace, 5 a pod, 6 a service.
        string? currentNs = null;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            if (reader.CurrentDepth == 4)
            {
                currentNs = reader.GetString();
                if (currentNs != ns)
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            else if (reader.CurrentDepth == 5 && currentNs == ns)
            {
                if (!reader.ValueTextEquals(pod))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                reader.Read();
                var services = new List<string>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    services.Add(reader.GetString()!);
                    reader.Read();
                    reader.Skip();
                }
                return services;
            }
        }
        return null;
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
