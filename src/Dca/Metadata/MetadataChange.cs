namespace Dca.Metadata;

/// <summary>What a reflector handler posts to the <see cref="SnapshotBuilder"/>: never processed on the reflector's thread.</summary>
internal abstract record MetadataChange
{
    /// <summary>When the change was posted (Stopwatch ticks): the watch event's arrival, for the visibility delay.</summary>
    public long PostedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>A node was added, changed or deleted; the builder reads its current bodies from the store.</summary>
    public sealed record NodeChanged(string Name) : MetadataChange;

    /// <summary>A namespace was added, changed or deleted; the builder reads its current bodies from the store.</summary>
    public sealed record NamespaceChanged(string Name) : MetadataChange;

    /// <summary>
    /// An endpoints source (EndpointSlice or Endpoints) changed: the nodes it references now, the nodes it
    /// no longer references, and the nodes whose memberships from it differ (only those are re-serialized).
    /// </summary>
    public sealed record EndpointsChanged(string Key, IReadOnlyList<string> Referenced, IReadOnlyList<string> Unreferenced, IReadOnlyList<string> Dirty) : MetadataChange;

    /// <summary>A reflector finished a full list (first sync or relist).</summary>
    public sealed record Synced(string Informer) : MetadataChange;
}
