using System.Text.Json;

namespace Dca.Sim.Api;

/// <summary>
/// The part of Kubernetes JSONPath that CRD <c>additionalPrinterColumns</c> use: <c>.a.b</c>,
/// <c>['a.b']</c>, <c>[0]</c>, <c>[*]</c> and filters <c>[?(@.type=='Ready')]</c> (<c>==</c>, <c>!=</c>, or
/// just <c>@.x</c> for presence), optionally inside <c>{...}</c>. Like the real table convertor, a cell
/// shows the first match. Anything else does not parse and the column prints as <c>&lt;none&gt;</c>.
/// </summary>
internal sealed class ColumnPath
{
    private readonly List<Step> _steps;

    private ColumnPath(List<Step> steps) => _steps = steps;

    /// <summary>Parses a path; null when it uses syntax outside the subset.</summary>
    public static ColumnPath? Parse(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('{') && s.EndsWith('}'))
        {
            s = s[1..^1].Trim();
        }
        var steps = new List<Step>();
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                var end = i + 1;
                while (end < s.Length && s[end] is not ('.' or '['))
                {
                    end++;
                }
                var name = s[(i + 1)..end];
                if (name.Length > 0)
                {
                    steps.Add(name == "*" ? new Step(StepKind.All, "", null) : new Step(StepKind.Property, name, null));
                }
                i = end;
            }
            else if (s[i] == '[')
            {
                var close = s.IndexOf(']', i);
                if (s.AsSpan(i).StartsWith("[?("))
                {
                    close = s.IndexOf(")]", i, StringComparison.Ordinal);
                    if (close < 0 || ParseFilter(s[(i + 3)..close]) is not { } filter)
                    {
                        return null;
                    }
                    steps.Add(filter);
                    i = close + 2;
                    continue;
                }
                if (close < 0)
                {
                    return null;
                }
                var inner = s[(i + 1)..close].Trim();
                if (inner == "*")
                {
                    steps.Add(new Step(StepKind.All, "", null));
                }
                else if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
                {
                    steps.Add(new Step(StepKind.Property, inner[1..^1], null));
                }
                else if (int.TryParse(inner, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    steps.Add(new Step(StepKind.Index, inner, null));
                }
                else
                {
                    return null;
                }
                i = close + 1;
            }
            else
            {
                return null;
            }
        }
        return new ColumnPath(steps);
    }

    /// <summary>The first value the path selects, or null.</summary>
    public JsonElement? First(JsonElement root) => Select(root, 0).Cast<JsonElement?>().FirstOrDefault();

    private IEnumerable<JsonElement> Select(JsonElement e, int step)
    {
        if (step == _steps.Count)
        {
            yield return e;
            yield break;
        }
        var s = _steps[step];
        switch (s.Kind)
        {
            case StepKind.Property when e.ValueKind == JsonValueKind.Object && e.TryGetProperty(s.Text, out var child):
                foreach (var r in Select(child, step + 1))
                {
                    yield return r;
                }
                break;
            case StepKind.Index when e.ValueKind == JsonValueKind.Array:
                var index = int.Parse(s.Text, System.Globalization.CultureInfo.InvariantCulture);
                if (index < e.GetArrayLength())
                {
                    foreach (var r in Select(e[index], step + 1))
                    {
                        yield return r;
                    }
                }
                break;
            case StepKind.All or StepKind.Filter:
                var children = e.ValueKind switch
                {
                    JsonValueKind.Array => e.EnumerateArray().ToList(),
                    JsonValueKind.Object => e.EnumerateObject().Select(p => p.Value).ToList(),
                    _ => [],
                };
                foreach (var item in children)
                {
                    if (s.Kind == StepKind.Filter && !s.Filter!.Matches(item))
                    {
                        continue;
                    }
                    foreach (var r in Select(item, step + 1))
                    {
                        yield return r;
                    }
                }
                break;
        }
    }

    private static Step? ParseFilter(string expression)
    {
        var (op, at) = expression.IndexOf("==", StringComparison.Ordinal) is >= 0 and var eq ? ("==", eq)
            : expression.IndexOf("!=", StringComparison.Ordinal) is >= 0 and var ne ? ("!=", ne)
            : ("", -1);
        var left = (at < 0 ? expression : expression[..at]).Trim();
        if (!left.StartsWith('@'))
        {
            return null;
        }
        var path = Parse(left[1..]);
        if (path is null)
        {
            return null;
        }
        string? literal = null;
        if (at >= 0)
        {
            literal = expression[(at + 2)..].Trim();
            if (literal.Length >= 2 && literal[0] is '\'' or '"' && literal[^1] == literal[0])
            {
                literal = literal[1..^1];
            }
        }
        return new Step(StepKind.Filter, "", new Condition(path, op, literal));
    }

    private enum StepKind
    {
        Property,
        Index,
        All,
        Filter,
    }

    private sealed record Step(StepKind Kind, string Text, Condition? Filter);

    private sealed record Condition(ColumnPath Path, string Operator, string? Literal)
    {
        public bool Matches(JsonElement item)
        {
            var value = Path.First(item);
            if (Operator.Length == 0)
            {
                return value is not null;
            }
            var text = value is { } v ? JsonPath.Str(v) : null;
            // A number or boolean literal compares with the value's text, as kubectl's jsonpath does for simple literals.
            var equal = text is not null && text == Literal;
            return Operator == "==" ? equal : !equal;
        }
    }
}
