using System.Text;
using System.Text.Json;

namespace Dca.Testing;

/// <summary>
/// Hostile and malformed inputs for parser tests (issue 11): a fixed corpus of pathological bodies, and
/// seeded mutations of a valid sample. Deterministic: the same seed gives the same bytes, so a failing
/// property prints a seed that replays it.
/// </summary>
public static class HostileJson
{
    /// <summary>Bodies no parser should accept as a valid object, each with a name for the test output.</summary>
    public static IEnumerable<(string Name, byte[] Body)> Corpus()
    {
        yield return ("empty", []);
        yield return ("whitespace", "  \n\t "u8.ToArray());
        yield return ("null", "null"u8.ToArray());
        yield return ("number", "42"u8.ToArray());
        yield return ("string", "\"text\""u8.ToArray());
        yield return ("array", "[]"u8.ToArray());
        yield return ("html error page", "<html><body><h1>502 Bad Gateway</h1></body></html>"u8.ToArray());
        yield return ("bom then html", [0xEF, 0xBB, 0xBF, .. "<html>"u8]);
        yield return ("unclosed object", "{"u8.ToArray());
        yield return ("unclosed string", "{\"a\":\"b"u8.ToArray());
        yield return ("trailing comma", "{\"a\":1,}"u8.ToArray());
        yield return ("single quotes", "{'a':1}"u8.ToArray());
        yield return ("comment", "/* hi */ {}"u8.ToArray());
        yield return ("nan literal", "{\"a\":NaN}"u8.ToArray());
        yield return ("infinity literal", "{\"a\":Infinity}"u8.ToArray());
        yield return ("nul byte", "{\"a\":\0}"u8.ToArray());
        yield return ("deep arrays", DeepArrays(10_000));
        yield return ("deep objects", DeepObjects(10_000));
        yield return ("invalid utf-8 key", [.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8]);
        yield return ("invalid utf-8 value", [.. "{\"a\":\""u8, 0xFF, 0xFE, .. "\"}"u8]);
        yield return ("lone surrogate escape", "{\"a\":\"\\uD800\"}"u8.ToArray());
        yield return ("random binary", RandomBytes(4096, 7));
    }

    /// <summary><c>[[[[…]]]]</c>, <paramref name="depth"/> deep: past every parser's depth limit.</summary>
    public static byte[] DeepArrays(int depth) => [.. Enumerable.Repeat((byte)'[', depth), .. Enumerable.Repeat((byte)']', depth)];

    /// <summary><c>{"a":{"a":…}}</c>, <paramref name="depth"/> deep.</summary>
    public static byte[] DeepObjects(int depth)
    {
        var builder = new StringBuilder(depth * 7);
        for (var i = 0; i < depth; i++)
        {
            builder.Append("{\"a\":");
        }
        builder.Append('1').Append('}', depth);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Values of the wrong JSON type for any field: each replaces a field's value in the corpus tests.</summary>
    public static readonly string[] WrongValues =
    [
        "null", "true", "0", "-1", "1.5", "1e400", "-1e400", "99999999999999999999999999999999", "\"\"", "\"x\"", "[]", "[1,\"a\"]", "{}",
        "{\"a\":{}}", "\"" + new string('x', 100_000) + "\"", "\"\\u0000\"", "\"2026-13-45T99:99:99Z\"",
    ];

    /// <summary>
    /// One to four seeded mutations of <paramref name="sample"/>: truncation, a flipped byte, a deleted or
    /// duplicated span, an inserted structural character or a swapped quote, the kinds of damage a broken
    /// proxy or a bug does to a body.
    /// </summary>
    public static byte[] Mutate(byte[] sample, int seed)
    {
        var random = new Random(seed);
        var bytes = new List<byte>(sample);
        var count = random.Next(1, 5);
        for (var i = 0; i < count && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 32)));
                    break;
                case 3:
                    var length = Math.Min(bytes.Count - at, random.Next(1, 64));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 4:
                    bytes.Insert(at, "{}[]\",:-0e\\"u8[random.Next(11)]);
                    break;
                case 5:
                    bytes[at] = bytes[at] == (byte)'"' ? (byte)'\'' : (byte)'"';
                    break;
                default:
                    var value = Encoding.UTF8.GetBytes(WrongValues[random.Next(WrongValues.Length - 3)]);
                    bytes.InsertRange(at, value);
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>
    /// <paramref name="sample"/> with one value (any field, any depth, objects and arrays included) replaced by
    /// each of <paramref name="values"/> (default <see cref="WrongValues"/>): wrong types, nulls, huge and
    /// overflowing numbers for every field. Each variant is named by the byte offset and the text it replaced.
    /// </summary>
    public static IEnumerable<(string Name, byte[] Body)> WithEachValueReplaced(byte[] sample, IReadOnlyList<string>? values = null)
    {
        var spans = new List<(int Start, int End)>();
        var reader = new Utf8JsonReader(sample);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray || reader.TokenStartIndex == 0)
            {
                continue;
            }
            var start = (int)reader.TokenStartIndex;
            var end = (int)reader.BytesConsumed;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                var whole = reader;
                whole.Skip();
                end = (int)whole.BytesConsumed;
            }
            spans.Add((start, end));
        }
        foreach (var (start, end) in spans)
        {
            var original = Encoding.UTF8.GetString(sample, start, Math.Min(end - start, 40));
            foreach (var value in values ?? WrongValues)
            {
                yield return ($"at {start} ({original}) -> {value[..Math.Min(value.Length, 20)]}", [.. sample[..start], .. Encoding.UTF8.GetBytes(value), .. sample[end..]]);
            }
        }
    }

    /// <summary>Every prefix of <paramref name="sample"/> shorter than the whole: truncation at each byte offset.</summary>
    public static IEnumerable<byte[]> Truncations(byte[] sample)
    {
        for (var length = 0; length < sample.Length; length++)
        {
            yield return sample[..length];
        }
    }
}
