namespace Dca.Metadata;

/// <summary>
/// One immutable view of the cluster's metadata, with every hot response already serialized.
/// Published by <see cref="SnapshotBuilder"/>, read lock-free through <see cref="SnapshotHolder"/>.
/// </summary>
internal sealed class ClusterSnapshot
{
    public static readonly ClusterSnapshot Empty = new(
        ShardedMap<NodeEntry>.Empty, ShardedMap<NamespaceEntry>.Empty, 0, DateTimeOffset.MinValue, false);

    public ClusterSnapshot(
        ShardedMap<NodeEntry> nodes,
        ShardedMap<NamespaceEntry> namespaces,
        long generation,
        DateTimeOffset builtAt,
        bool synced)
    {
        Nodes = nodes;
        Namespaces = namespaces;
        Generation = generation;
        BuiltAt = builtAt;
        Synced = synced;
    }

    public ShardedMap<NodeEntry> Nodes { get; }

    public ShardedMap<NamespaceEntry> Namespaces { get; }

    /// <summary>Increases by one per published snapshot.</summary>
    public long Generation { get; }

    public DateTimeOffset BuiltAt { get; }

    /// <summary>True once every informer has completed its first list.</summary>
    public bool Synced { get; }
}

/// <summary>
/// One node: its pod → services bundle and its metadata, pre-serialized. The bundle is kept only as
/// its body (the per-pod route, used by agents older than 1.3, reads it back): at 150,000 pods an
/// object per pod would cost more than the bodies themselves.
/// </summary>
internal sealed class NodeEntry
{
    /// <summary>The <c>/api/v1/tags/pod/{node}</c> body, as <see cref="StoredBody"/> keeps it (usually gzip).</summary>
    public required byte[] PodTagsBody { get; init; }

    /// <summary>Pods with at least one service on this node.</summary>
    public required int PodCount { get; init; }

    /// <summary>Null when the node object is not (yet) known: its metadata routes answer 500, like Datadog's.</summary>
    public NodeMetadataBodies? Metadata { get; init; }
}

/// <summary>A node's pre-serialized metadata bodies, as <see cref="StoredBody"/> keeps them (gzip when that saves a quarter).</summary>
internal sealed record NodeMetadataBodies(byte[] LabelsBody, byte[] AnnotationsBody, byte[] UidBody, string? Uid);

/// <summary>One namespace's pre-serialized bodies, as <see cref="StoredBody"/> keeps them.</summary>
internal sealed record NamespaceEntry(byte[] LabelsBody, byte[] MetadataBody, string? Uid);

/// <summary>The single reference through which the snapshot is published and read.</summary>
internal sealed class SnapshotHolder
{
    private ClusterSnapshot _current = ClusterSnapshot.Empty;

    public ClusterSnapshot Current => Volatile.Read(ref _current);

    public void Publish(ClusterSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
