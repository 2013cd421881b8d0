using System.Globalization;
using System.Text.Json;

namespace Dca.Node.Checks;

/// <summary>
/// Typed reads of one check instance. The cluster agent sends instances as YAML in JSON flow style, so
/// they parse as JSON; numbers may come as numbers or strings, booleans as booleans or strings (YAML).
/// A missing or malformed required field is a <see cref="FormatException"/> naming it.
/// </summary>
public sealed class CheckInstance(JsonElement root)
{
    public static CheckInstance Parse(string yaml)
    {
        try
        {
            using var doc = JsonDocument.Parse(yaml);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? new CheckInstance(doc.RootElement.Clone())
                : throw new FormatException("the instance is not a mapping");
        }
        catch (JsonException e)
        {
            throw new FormatException("the instance is not in the flow-style YAML the cluster agent sends: " + e.Message.Split(" Path:")[0], e);
        }
    }

    public string? String(string name) => root.TryGetProperty(name, out var v) ? v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        _ => null,
    } : null;

    public string RequiredString(string name) => String(name) is { Length: > 0 } s ? s : throw new FormatException($"'{name}' is required");

    public double Number(string name, double fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return fallback;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"'{name}' is not a number: {text}");
    }

    public bool Bool(string name, bool fallback) => String(name)?.ToLowerInvariant() switch
    {
        null => fallback,
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        var other => throw new FormatException($"'{name}' is not a boolean: {other}"),
    };

    /// <summary>The instance's <c>tags</c> list.</summary>
    public IReadOnlyList<string> Tags => root.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
        ? [.. t.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
        : [];
}
