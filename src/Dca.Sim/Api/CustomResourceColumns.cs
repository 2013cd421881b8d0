using System.Globalization;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The table the apiextensions server prints for a custom resource (its <c>tableconvertor</c>): NAME,
/// then the version's <c>additionalPrinterColumns</c>, or AGE when it declares none. A cell is the first
/// value the column's JSONPath selects, typed by the column: <c>string</c> prints any value as text,
/// <c>integer</c>/<c>number</c>/<c>boolean</c> only a value of that type, <c>date</c> an age; nothing
/// selected is a null cell (kubectl prints <c>&lt;none&gt;</c>).
/// </summary>
internal static class CustomResourceColumns
{
    private static readonly TableColumn Name = new("Name", "string", 0, (e, _) => JsonPath.Str(e, "metadata", "name"),
        Description: "Name must be unique within a namespace.");

    private static readonly TableColumn Age = new("Age", "date", 0, (e, c) => JsonPath.Age(e, c, "metadata", "creationTimestamp"),
        Description: "CreationTimestamp is a timestamp representing the server time when this object was created.");

    public static IReadOnlyList<TableColumn> For(ResourceType type)
    {
        if (type.PrinterColumns.Count == 0)
        {
            return [Name, Age];
        }
        var columns = new List<TableColumn> { Name };
        foreach (var c in type.PrinterColumns)
        {
            var path = ColumnPath.Parse(c.JsonPath);
            var kind = c.Type;
            columns.Add(new TableColumn(c.Name, kind, c.Priority, (e, ctx) => path?.First(e) is { } v ? Cell(kind, v, ctx) : null,
                c.Format, c.Description.Length > 0 ? c.Description : c.Name));
        }
        return columns;
    }

    private static object? Cell(string type, JsonElement v, TableContext ctx) => (type, v.ValueKind) switch
    {
        ("string", JsonValueKind.String) => v.GetString(),
        ("string", JsonValueKind.Null) => null,
        ("string", _) => v.GetRawText(),
        ("integer", JsonValueKind.Number) => v.TryGetInt64(out var n) ? n : (long)v.GetDouble(),
        ("number", JsonValueKind.Number) => v.GetDouble(),
        ("boolean", JsonValueKind.True or JsonValueKind.False) => v.GetBoolean(),
        ("date", JsonValueKind.String) => DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? HumanDuration.Format(ctx.Now - t)
            : "<invalid>",
        _ => null,
    };
}
