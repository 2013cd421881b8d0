using System.Text.Json;

namespace Dca.Sim.Api;

/// <summary>One column of a server-side printed table, and how to compute its cell from an object.</summary>
/// <param name="Name">The column name (kubectl upper-cases it).</param>
/// <param name="Type">string, integer, date...</param>
/// <param name="Priority">0 for the default columns, 1 for <c>-o wide</c>.</param>
/// <param name="Cell">Computes the cell: a string, a long, a double, a bool, or null (kubectl prints <c>&lt;none&gt;</c>).</param>
/// <param name="Format">The OpenAPI format; the name column's is <c>name</c>.</param>
/// <param name="Description">The column's description (defaults to its name).</param>
internal sealed record TableColumn(string Name, string Type, int Priority, Func<JsonElement, TableContext, object?> Cell, string? Format = null, string? Description = null)
{
    public string Format { get; } = Format ?? (Name == "Name" ? "name" : "");

    public string Description { get; } = Description ?? Name;
}

/// <summary>What cells need besides the object: the time, to print ages.</summary>
internal readonly record struct TableContext(DateTimeOffset Now);
