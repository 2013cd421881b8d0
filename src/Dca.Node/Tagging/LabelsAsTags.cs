using System.Text.Json;

namespace Dca.Node.Tagging;

/// <summary>
/// A <c>DD_KUBERNETES_*_LABELS_AS_TAGS</c> mapping as the Datadog agent reads it: a JSON object from
/// label key to tag name. Keys are compared lower-cased; a key with <c>*</c> or <c>?</c> is a glob;
/// <c>%%label%%</c> in a tag name is replaced by the label's key; several tag names may be given
/// separated by commas; a <c>+</c> prefix makes the tag high cardinality.
/// </summary>
internal sealed class LabelsAsTags
{
    public static LabelsAsTags None { get; } = new([]);

    private readonly (string Key, bool Glob, (string Name, bool High)[] Tags)[] _rules;

    private LabelsAsTags((string, bool, (string, bool)[])[] rules) => _rules = rules;

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>Parses the option's JSON; throws <see cref="FormatException"/> with the reason.</summary>
    public static LabelsAsTags Parse(string? json)
    {
        if (json is not { Length: > 0 } || json.Trim() is "{}" or "")
        {
            return None;
        }
        var rules = new List<(string, bool, (string, bool)[])>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected a JSON object mapping label keys to tag names, e.g. {\"app\":\"kube_app\"}");
            }
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"the tag name for \"{property.Name}\" must be a string");
                }
                var tags = property.Value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(t => t.StartsWith('+') ? (t[1..], true) : (t, false))
                    .ToArray();
                var key = property.Name.ToLowerInvariant();
                rules.Add((key, key.Contains('*', StringComparison.Ordinal) || key.Contains('?', StringComparison.Ordinal), tags));
            }
        }
        catch (JsonException e)
        {
            throw new FormatException("not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // A lone surrogate escape (\uD800) in a key or value: valid JSON, but not a string.
            throw new FormatException("not valid JSON: " + e.Message, e);
        }
        return new LabelsAsTags([.. rules]);
    }

    /// <summary>Adds the tags <paramref name="labels"/> map to, into <paramref name="low"/> or <paramref name="high"/>.</summary>
    public void Apply(IEnumerable<KeyValuePair<string, string?>>? labels, List<string> low, List<string> high)
    {
        if (labels is null || _rules.Length == 0)
        {
            return;
        }
        foreach (var (label, value) in labels)
        {
            if (value is not { Length: > 0 })
            {
                continue;
            }
            var lower = label.ToLowerInvariant();
            foreach (var (key, glob, tags) in _rules)
            {
                if (glob ? !Glob(key, lower) : key != lower)
                {
                    continue;
                }
                foreach (var (template, isHigh) in tags)
                {
                    var name = Resolve(template, label);
                    if (name.Length > 0)
                    {
                        (isHigh ? high : low).Add(name + ":" + value);
                    }
                }
            }
        }
    }

    // %%label%% (and the annotation/env spellings) become the label key; any other %%x%% is removed.
    private static string Resolve(string template, string label)
    {
        if (!template.Contains("%%", StringComparison.Ordinal))
        {
            return template;
        }
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var start = template.IndexOf("%%", i, StringComparison.Ordinal);
            var end = start < 0 ? -1 : template.IndexOf("%%", start + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }
            result.Append(template, i, start - i);
            var variable = template[(start + 2)..end];
            if (variable is "label" or "annotation" or "env")
            {
                result.Append(label);
            }
            i = end + 2;
        }
        return result.ToString();
    }

    /// <summary>Glob match with <c>*</c> (any run) and <c>?</c> (one character).</summary>
    internal static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
