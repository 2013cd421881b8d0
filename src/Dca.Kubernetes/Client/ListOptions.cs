namespace Dca.Kubernetes.Client;

/// <summary>Parameters of a list or watch request.</summary>
public sealed record ListOptions
{
    /// <summary>The namespace, or null for all namespaces (and for cluster-scoped resources).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size for lists; 0 for no limit. Default 500 (client-go's pager default).</summary>
    public int Limit { get; init; } = 500;

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    /// <summary>For a list, the version to read at ("0" = any cached); for a watch, where to start.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Watch only: ask the server for bookmarks so a restart can resume without a relist.</summary>
    public bool AllowBookmarks { get; init; } = true;

    /// <summary>Watch only: the server closes the watch after this long (client-go uses 5-10 minutes, randomised).</summary>
    public TimeSpan? TimeoutSeconds { get; init; }
}
