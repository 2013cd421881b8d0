using System.Globalization;

namespace Dca.Sim.Store;

/// <summary>
/// A parsed <c>labelSelector</c>: comma-separated requirements <c>k</c>, <c>!k</c>, <c>k=v</c>,
/// <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k&gt;n</c>, <c>k&lt;n</c>,
/// with the apimachinery semantics (<c>!=</c> and <c>notin</c> match objects without the label).
/// </summary>
public sealed class LabelSelector
{
    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements) => _requirements = requirements;

    /// <summary>The selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>True when the selector has no requirements.</summary>
    public bool IsEmpty => _requirements.Length == 0;

    /// <summary>Parses a selector.</summary>
    /// <exception cref="StatusException">400 BadRequest for a malformed selector.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var result = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            result.Add(ParseRequirement(part.Trim(), text));
        }
        return new LabelSelector([.. result]);
    }

    /// <summary>True when the object's labels satisfy every requirement.</summary>
    public bool Matches(StoredObject obj)
    {
        foreach (var r in _requirements)
        {
            if (!r.Matches(obj.Label(r.Key)))
            {
                return false;
            }
        }
        return true;
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }

    private static Requirement ParseRequirement(string part, string whole)
    {
        if (part.Length == 0)
        {
            throw Bad(whole);
        }
        if (part[0] == '!')
        {
            return new Requirement(CheckKey(part[1..].Trim(), whole), Operator.DoesNotExist, []);
        }
        foreach (var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals), (">", Operator.GreaterThan), ("<", Operator.LessThan) })
        {
            var i = part.IndexOf(token, StringComparison.Ordinal);
            if (i > 0)
            {
                return new Requirement(CheckKey(part[..i].Trim(), whole), op, [part[(i + token.Length)..].Trim()]);
            }
        }
        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1)
        {
            return new Requirement(CheckKey(words[0], whole), Operator.Exists, []);
        }
        var rest = words[1];
        Operator setOp;
        if (rest.StartsWith("notin", StringComparison.Ordinal))
        {
            setOp = Operator.NotIn;
            rest = rest[5..].Trim();
        }
        else if (rest.StartsWith("in", StringComparison.Ordinal))
        {
            setOp = Operator.In;
            rest = rest[2..].Trim();
        }
        else
        {
            throw Bad(whole);
        }
        if (!rest.StartsWith('(') || !rest.EndsWith(')'))
        {
            throw Bad(whole);
        }
        var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries);
        return new Requirement(CheckKey(words[0], whole), setOp, values);
    }

    private static string CheckKey(string key, string whole) =>
        key.Length == 0 || key.Contains(' ', StringComparison.Ordinal) ? throw Bad(whole) : key;

    private static StatusException Bad(string text) =>
        StatusException.BadRequest($"unable to parse requirement: found '{text}', expected a valid label selector");

    private enum Operator
    {
        Exists,
        DoesNotExist,
        Equals,
        NotEquals,
        In,
        NotIn,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(string? value) => Op switch
        {
            Operator.Exists => value is not null,
            Operator.DoesNotExist => value is null,
            Operator.Equals or Operator.In => value is not null && Values.Contains(value, StringComparer.Ordinal),
            Operator.NotEquals or Operator.NotIn => value is null || !Values.Contains(value, StringComparer.Ordinal),
            Operator.GreaterThan => Compare(value) > 0,
            Operator.LessThan => Compare(value) < 0,
            _ => false,
        };

        private int? Compare(string? value) =>
            value is not null
            && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual)
            && long.TryParse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var wanted)
                ? actual.CompareTo(wanted)
                : null;
    }
}
