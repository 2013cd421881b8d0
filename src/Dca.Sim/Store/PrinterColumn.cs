namespace Dca.Sim.Store;

/// <summary>
/// One of a CRD version's <c>additionalPrinterColumns</c>: what <c>kubectl get</c> prints besides the
/// name, read from the object with a Kubernetes JSONPath (e.g. <c>.status.currentValue</c>).
/// </summary>
/// <param name="Name">The column header (kubectl upper-cases it).</param>
/// <param name="Type">integer, number, string, boolean or date (a date prints as an age).</param>
/// <param name="Format">The OpenAPI format hint, often empty.</param>
/// <param name="Description">The column's description.</param>
/// <param name="Priority">0 for the default columns, above 0 for <c>-o wide</c>.</param>
/// <param name="JsonPath">The JSONPath the cell is read from.</param>
public sealed record PrinterColumn(string Name, string Type, string Format, string Description, int Priority, string JsonPath);
