using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Dca.Sim.Store;

/// <summary>
/// Reads the indexed fields of an object off its JSON bytes in one forward pass of a
/// <see cref="Utf8JsonReader"/>: metadata (name, namespace, uid, resourceVersion,
/// creationTimestamp, labels, and where the metadata object sits) and the type's selectable fields.
/// </summary>
internal static class ObjectIndexer
{
    // Labels repeat across thousands of pods; interning them keeps 150,000 pods' label strings small.
    private static readonly ConcurrentDictionary<string, string> s_strings = new(StringComparer.Ordinal);

    public static string Intern(string value) =>
        value.Length > 64 ? value : s_strings.GetOrAdd(value, value);

    /// <exception cref="JsonException">The bytes are not a JSON object.</exception>
    public static StoredObject Index(ResourceType type, byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("object expected");
        }
        var fields = new string[type.Fields.Count];
        Array.Fill(fields, "");
        string ns = "", name = "", uid = "", created = "";
        long rv = 0;
        var labels = new List<KeyValuePair<string, string>>();
        int metaStart = 0, metaLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                metaStart = (int)reader.TokenStartIndex;
                ReadMetadata(ref reader, ref ns, ref name, ref uid, ref rv, ref created, labels);
                metaLength = (int)reader.BytesConsumed - metaStart;
                continue;
            }
            var top = reader.GetString()!;
            reader.Read();
            ReadFields(ref reader, type, fields, top, 1);
        }
        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new StoredObject(type, json, ns, name, uid, rv, created, [.. labels], fields, metaStart, metaLength);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, ref string ns, ref string name, ref string uid,
        ref long rv, ref string created, List<KeyValuePair<string, string>> labels)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                reader.Read();
                ns = Intern(reader.GetString() ?? "");
            }
            else if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                uid = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("resourceVersion"u8))
            {
                reader.Read();
                _ = long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out rv);
            }
            else if (reader.ValueTextEquals("creationTimestamp"u8))
            {
                reader.Read();
                created = reader.TokenType == JsonTokenType.String ? Intern(reader.GetString()!) : "";
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = Intern(reader.GetString()!);
                    reader.Read();
                    labels.Add(new(key, Intern(reader.GetString() ?? "")));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Descends into the value at the current token when a selectable field's path continues there.</summary>
    private static void ReadFields(ref Utf8JsonReader reader, ResourceType type, string[] fields, string prefix, int depth)
    {
        var wanted = false;
        for (var i = 0; i < type.Fields.Count; i++)
        {
            var path = type.Fields[i].Path;
            if (path.Count < depth || !string.Equals(type.Fields[i].PrefixAt(depth), prefix, StringComparison.Ordinal))
            {
                continue;
            }
            wanted = true;
            if (path.Count == depth && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                fields[i] = Intern(ScalarText(ref reader));
            }
        }
        if (!wanted || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString()!;
            reader.Read();
            ReadFields(ref reader, type, fields, prefix + "." + property, depth + 1);
        }
    }

    private static string ScalarText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "",
        _ => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
    };
}
