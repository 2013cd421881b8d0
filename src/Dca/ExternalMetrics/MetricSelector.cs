namespace Dca.ExternalMetrics;

/// <summary>
/// The <c>labelSelector</c> of an external-metric request (an HPA's <c>metric.selector</c>), matched against a
/// series' tags: a tag <c>k:v</c> is label <c>k</c> with value <c>v</c>, a tag without a colon a label with an empty
/// value. Requirements: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>
/// (apimachinery's syntax and semantics: <c>!=</c> and <c>notin</c> match a series without the label).
/// </summary>
public sealed class MetricSelector
{
    private readonly List<(string Key, string Op, string[] Values)> _requirements;

    private MetricSelector(List<(string, string, string[])> requirements) => _requirements = requirements;

    public static MetricSelector Everything { get; } = new([]);

    /// <summary>The parsed requirements (key, operator: <c>=</c>, <c>!=</c>, <c>in</c>, <c>notin</c>, <c>exists</c>, <c>!</c>; values), for backends that translate them.</summary>
    public IEnumerable<(string Key, string Op, string[] Values)> Requirements => _requirements;

    /// <exception cref="FormatException">A malformed selector, with the reason.</exception>
    public static MetricSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var result = new List<(string, string, string[])>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw new FormatException($"empty requirement in label selector \"{text}\"");
            }
            result.Add(ParseRequirement(part, text));
        }
        return new MetricSelector(result);
    }

    /// <summary>Matches Datadog tags directly (<c>k:v</c>; the first value of a repeated key counts), without building a map or allocating.</summary>
    public bool Matches(string[] tags)
    {
        foreach (var (key, op, values) in _requirements)
        {
            var found = Find(tags, key, out var value);
            var ok = op switch
            {
                "=" => found && value.SequenceEqual(values[0]),
                "!=" => !found || !value.SequenceEqual(values[0]),
                "in" => found && Contains(values, value),
                "notin" => !found || !Contains(values, value),
                "exists" => found,
                "!" => !found,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Contains(string[] values, ReadOnlySpan<char> value)
    {
        foreach (var v in values)
        {
            if (value.SequenceEqual(v))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Find(string[] tags, string key, out ReadOnlySpan<char> value)
    {
        foreach (var tag in tags)
        {
            if (tag.Length == key.Length && tag == key)
            {
                value = [];
                return true;
            }
            if (tag.Length > key.Length && tag[key.Length] == ':' && tag.StartsWith(key, StringComparison.Ordinal))
            {
                value = tag.AsSpan(key.Length + 1);
                return true;
            }
        }
        value = default;
        return false;
    }

    private static (string, string, string[]) ParseRequirement(string part, string text)
    {
        if (part.StartsWith('!'))
        {
            return (Key(part[1..], text), "!", []);
        }
        foreach (var (token, op) in new[] { ("!=", "!="), ("==", "="), ("=", "=") })
        {
            var at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return (Key(part[..at], text), op, [part[(at + token.Length)..].Trim()]);
            }
        }
        foreach (var op in new[] { " notin ", " in " })
        {
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var set = part[(at + op.Length)..].Trim();
                if (!set.StartsWith('(') || !set.EndsWith(')'))
                {
                    throw new FormatException($"\"{part}\" in label selector \"{text}\": a set is written (a,b)");
                }
                return (Key(part[..at], text), op.Trim(), [.. set[1..^1].Split(',', StringSplitOptions.TrimEntries).Where(v => v.Length > 0)]);
            }
        }
        return (Key(part, text), "exists", []);
    }

    private static string Key(string key, string text)
    {
        key = key.Trim();
        return key.Length > 0 && !key.Any(char.IsWhiteSpace) ? key : throw new FormatException($"invalid key \"{key}\" in label selector \"{text}\"");
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth < 0)
            {
                // Else every comma after it would be taken as inside a set, and the rest read as one odd key.
                throw new FormatException($"unbalanced closing parenthesis at {i} in label selector \"{text}\"");
            }
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}
