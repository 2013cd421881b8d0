using System.Globalization;
using System.Text.Json;

namespace Dca.Sim.Api;

/// <summary>Small readers over a parsed object for table cells.</summary>
internal static class JsonPath
{
    public static JsonElement? At(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }
        return e;
    }

    public static string Str(JsonElement e, params string[] path) =>
        At(e, path) is { } v
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.Number => v.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => "",
            }
            : "";

    public static long Int(JsonElement e, params string[] path) =>
        At(e, path) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var n) ? n : 0;

    public static IEnumerable<JsonElement> Array(JsonElement e, params string[] path) =>
        At(e, path) is { ValueKind: JsonValueKind.Array } v ? v.EnumerateArray() : [];

    public static int Count(JsonElement e, params string[] path) =>
        At(e, path) switch
        {
            { ValueKind: JsonValueKind.Array } v => v.GetArrayLength(),
            { ValueKind: JsonValueKind.Object } v => v.EnumerateObject().Count(),
            _ => 0,
        };

    public static DateTimeOffset? Time(JsonElement e, params string[] path) =>
        DateTimeOffset.TryParse(Str(e, path), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string Age(JsonElement e, TableContext ctx, params string[] path) =>
        Time(e, path) is { } t ? HumanDuration.Format(ctx.Now - t) : "<unknown>";
}
