using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// Reads label maps with their keys and short values interned: 150,000 pods share a few hundred
/// label keys and values (<c>app</c>, <c>pod-template-hash</c>, ...), so the store keeps one copy of each.
/// The pool is bounded; past the bound strings are kept as read.
/// </summary>
public sealed class InternedStringMapConverter : JsonConverter<Dictionary<string, string>>
{
    private const int MaxPooled = 20_000;
    private const int MaxInternedLength = 64;
    private static readonly ConcurrentDictionary<string, string> s_pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_byChars = s_pool.GetAlternateLookup<ReadOnlySpan<char>>();

    // ConcurrentDictionary.Count takes every lock of the table (up to 1,024 of them): far too slow to
    // ask per string once the pool is full, so the size is tracked here.
    private static int s_pooled;

    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected a JSON object of strings");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = Intern(ref reader);
            reader.Read();
            var value = reader.TokenType == JsonTokenType.Null ? "" : Intern(ref reader);
            map[key] = value;
        }
        map.TrimExcess();
        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (k, v) in value)
        {
            writer.WriteString(k, v);
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// The pooled copy of the string token <paramref name="reader"/> is on, found without allocating when
    /// it is pooled already: a watch event of a 100-endpoint slice repeats the same node names, kinds
    /// and namespaces, and reading each into a new string only to drop it was a third of its garbage.
    /// </summary>
    public static string Intern(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw new JsonException($"expected a string, not {reader.TokenType}");
        }
        if (!reader.HasValueSequence && !reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxInternedLength)
        {
            Span<char> chars = stackalloc char[MaxInternedLength];
            // Strict decoding: ill-formed UTF-8 takes the GetString path below and is rejected there as before.
            if (System.Text.Unicode.Utf8.ToUtf16(reader.ValueSpan, chars, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done
                && s_byChars.TryGetValue(chars[..written], out var pooled))
            {
                return pooled;
            }
        }
        return Intern(reader.GetString()!);
    }

    /// <summary>Returns the pooled copy of <paramref name="value"/>.</summary>
    public static string Intern(string value)
    {
        if (value.Length > MaxInternedLength)
        {
            return value;
        }
        if (s_pool.TryGetValue(value, out var pooled))
        {
            return pooled;
        }
        if (Volatile.Read(ref s_pooled) >= MaxPooled)
        {
            return value;
        }
        var pooled2 = s_pool.GetOrAdd(value, value);
        if (ReferenceEquals(pooled2, value))
        {
            Interlocked.Increment(ref s_pooled);
        }
        return pooled2;
    }
}
