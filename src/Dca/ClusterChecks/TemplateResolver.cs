using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Dca.ClusterChecks;

/// <summary>
/// Resolves Datadog's template variables in a check instance against a <see cref="CheckTarget"/>:
/// <c>%%host%%</c>, <c>%%port%%</c> (the highest port), <c>%%port_&lt;name&gt;%%</c>, <c>%%port_&lt;index&gt;%%</c>
/// (ascending order) and <c>%%kube_namespace%%</c>. <c>%%env_&lt;VAR&gt;%%</c> is left for the node agent, which
/// resolves it from its own environment. A value that is exactly one variable resolving to a number becomes
/// a number, as in Datadog's resolver (<c>"port": "%%port%%"</c> → <c>"port": 8080</c>).
/// </summary>
public static class TemplateResolver
{
    /// <summary>A resolved copy of <paramref name="instance"/>; throws <see cref="FormatException"/> naming a variable that cannot be resolved.</summary>
    public static JsonObject Resolve(JsonObject instance, CheckTarget target) => (JsonObject)ResolveNode(instance, target)!;

    private static JsonNode? ResolveNode(JsonNode? node, CheckTarget target) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, ResolveNode(kv.Value, target)))),
        JsonArray a => new JsonArray([.. a.Select(n => ResolveNode(n, target))]),
        JsonValue v when v.TryGetValue<string>(out var s) && s.Contains("%%", StringComparison.Ordinal) => ResolveString(s, target),
        null => null,
        _ => node.DeepClone(),
    };

    private static JsonValue ResolveString(string text, CheckTarget target)
    {
        var result = new StringBuilder(text.Length);
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("%%", position, StringComparison.Ordinal);
            var close = open < 0 ? -1 : text.IndexOf("%%", open + 2, StringComparison.Ordinal);
            if (open < 0 || close < 0)
            {
                result.Append(text, position, text.Length - position);
                break;
            }
            result.Append(text, position, open - position);
            var name = text[(open + 2)..close];
            result.Append(Value(name, target) ?? text[open..(close + 2)]);
            position = close + 2;
        }
        var resolved = result.ToString();
        // The whole value is one variable: "%%name%%" with no other "%%" inside.
        var whole = text.StartsWith("%%", StringComparison.Ordinal) && text.IndexOf("%%", 2, StringComparison.Ordinal) == text.Length - 2;
        return whole && long.TryParse(resolved, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(resolved);
    }

    /// <summary>The variable's value; null to leave it for the node agent (<c>env_*</c>).</summary>
    private static string? Value(string name, CheckTarget target)
    {
        if (name.StartsWith("env_", StringComparison.Ordinal))
        {
            return null;
        }
        if (name == "host")
        {
            return target.Host ?? throw new FormatException("%%host%% cannot be resolved: the Service has no ClusterIP (headless); use an endpoints check");
        }
        if (name == "kube_namespace")
        {
            return target.Namespace;
        }
        if (name == "port" || name.StartsWith("port_", StringComparison.Ordinal))
        {
            var ports = target.Ports.OrderBy(p => p.Port).ToList();
            if (ports.Count == 0)
            {
                throw new FormatException($"%%{name}%% cannot be resolved: no ports");
            }
            if (name == "port")
            {
                return ports[^1].Port.ToString(CultureInfo.InvariantCulture);
            }
            var key = name["port_".Length..];
            var byName = ports.FirstOrDefault(p => p.Name == key);
            if (byName.Name is not null)
            {
                return byName.Port.ToString(CultureInfo.InvariantCulture);
            }
            if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < ports.Count)
            {
                return ports[index].Port.ToString(CultureInfo.InvariantCulture);
            }
            throw new FormatException($"%%{name}%% cannot be resolved: no port named or numbered '{key}' (ports: {string.Join(", ", ports.Select(p => $"{p.Name}={p.Port}"))})");
        }
        throw new FormatException($"unknown template variable %%{name}%%");
    }
}
