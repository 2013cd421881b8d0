using System.Text;

namespace Dca.Sim.Store;

/// <summary>
/// A parsed <c>fieldSelector</c>: comma-separated <c>field=value</c>, <c>field==value</c>,
/// <c>field!=value</c> over <c>metadata.name</c>, <c>metadata.namespace</c> and the resource's
/// selectable fields; values may escape <c>\,</c>, <c>\=</c> and <c>\\</c>. An unsupported field
/// is a 400, as on the real server.
/// </summary>
public sealed class FieldSelector
{
    private readonly (string Field, bool Equal, string Value)[] _terms;

    private FieldSelector((string, bool, string)[] terms) => _terms = terms;

    /// <summary>The selector that matches everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>True when the selector has no terms.</summary>
    public bool IsEmpty => _terms.Length == 0;

    /// <summary>The value required by an equality term on <paramref name="field"/>, or null.</summary>
    public string? RequiredValue(string field)
    {
        foreach (var t in _terms)
        {
            if (t.Equal && string.Equals(t.Field, field, StringComparison.Ordinal))
            {
                return t.Value;
            }
        }
        return null;
    }

    /// <summary>Parses a selector for a resource.</summary>
    /// <exception cref="StatusException">400 BadRequest for a malformed selector or an unsupported field.</exception>
    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var terms = new List<(string, bool, string)>();
        foreach (var part in SplitUnescaped(text, ','))
        {
            string field;
            bool equal;
            string value;
            var ne = IndexOfUnescaped(part, "!=");
            var eq = IndexOfUnescaped(part, "=");
            if (ne >= 0)
            {
                (field, equal, value) = (part[..ne], false, part[(ne + 2)..]);
            }
            else if (eq >= 0)
            {
                var skip = eq + 1 < part.Length && part[eq + 1] == '=' ? 2 : 1;
                (field, equal, value) = (part[..eq], true, part[(eq + skip)..]);
            }
            else
            {
                throw StatusException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }
            field = field.Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && type.FieldIndex(field) < 0)
            {
                throw StatusException.BadRequest($"field label not supported: {field}");
            }
            terms.Add((field, equal, Unescape(value.Trim())));
        }
        return new FieldSelector([.. terms]);
    }

    /// <summary>True when the object satisfies every term.</summary>
    public bool Matches(StoredObject obj)
    {
        foreach (var (field, equal, value) in _terms)
        {
            var actual = obj.Field(field) ?? "";
            if (string.Equals(actual, value, StringComparison.Ordinal) != equal)
            {
                return false;
            }
        }
        return true;
    }

    private static List<string> SplitUnescaped(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }

    private static int IndexOfUnescaped(string text, string token)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value;
        }
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }
            sb.Append(value[i]);
        }
        return sb.ToString();
    }
}
