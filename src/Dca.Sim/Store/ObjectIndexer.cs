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
    public static StoredObject Index(ResourceType type, ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
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
            var matches = Match(ref reader, type, AllFields(type), 0);
            reader.Read();
            if (matches == 0)
            {
                reader.Skip();
                continue;
            }
            ReadFields(ref reader, type, fields, matches, 1);
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

    private static uint AllFields(ResourceType type) => type.Fields.Count >= 32 ? uint.MaxValue : (1u << type.Fields.Count) - 1;

    /// <summary>The fields (a bit mask over <paramref name="candidates"/>) whose path continues with the current property name at <paramref name="depth"/>.</summary>
    private static uint Match(ref Utf8JsonReader reader, ResourceType type, uint candidates, int depth)
    {
        uint matches = 0;
        for (var i = 0; i < type.Fields.Count && i < 32; i++)
        {
            var path = type.Fields[i].Utf8Path;
            if ((candidates & (1u << i)) != 0 && path.Length > depth && reader.ValueTextEquals(path[depth]))
            {
                matches |= 1u << i;
            }
        }
        return matches;
    }

    /// <summary>
    /// At a value whose path (the first <paramref name="depth"/> segments) some fields in
    /// <paramref name="candidates"/> share: records the fields that end here, descends for the
    /// others, skips everything else — no strings are made for property names.
    /// </summary>
    private static void ReadFields(ref Utf8JsonReader reader, ResourceType type, string[] fields, uint candidates, int depth)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                for (var i = 0; i < type.Fields.Count && i < 32; i++)
                {
                    if ((candidates & (1u << i)) != 0 && type.Fields[i].Utf8Path.Length == depth)
                    {
                        fields[i] = Intern(ScalarText(ref reader));
                    }
                }
            }
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = Match(ref reader, type, candidates, depth);
            reader.Read();
            if (matches == 0)
            {
                reader.Skip();
                continue;
            }
            ReadFields(ref reader, type, fields, matches, depth + 1);
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
