namespace Dca.Sim.Store;

/// <summary>What a list asks for, as the query string of a LIST carries it.</summary>
public sealed record ListOptions
{
    /// <summary>The namespace, or null/empty for all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>The label selector.</summary>
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;

    /// <summary>The field selector.</summary>
    public FieldSelector Fields { get; init; } = FieldSelector.Everything;

    /// <summary>Page size; 0 for no limit.</summary>
    public int Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    /// <summary>The <c>resourceVersion</c> parameter.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The <c>resourceVersionMatch</c> parameter (<c>Exact</c> or <c>NotOlderThan</c>).</summary>
    public string? ResourceVersionMatch { get; init; }
}

/// <summary>One page of a list.</summary>
/// <param name="Items">The objects, in key order.</param>
/// <param name="ResourceVersion">The resourceVersion the page is consistent with (that of the first page for continued lists).</param>
/// <param name="Continue">The token for the next page, or null on the last page.</param>
/// <param name="RemainingItemCount">Objects after this page, when known (no selectors).</param>
public sealed record ListResult(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
