namespace Dca.Sim.Store;

/// <summary>The type of a watch event, as written on the wire.</summary>
public enum WatchEventType
{
    /// <summary>An object was created.</summary>
    Added,

    /// <summary>An object was updated.</summary>
    Modified,

    /// <summary>An object was deleted.</summary>
    Deleted,

    /// <summary>A progress marker carrying only a resourceVersion.</summary>
    Bookmark,
}

/// <summary>
/// One change: the object after it (for DELETED, the last state stamped with the deletion's
/// resourceVersion) and, for updates and deletes, the state before, so that a filtered watch can
/// turn "no longer matches" into DELETED and "now matches" into ADDED like the real watch cache.
/// </summary>
public sealed record WatchEvent(WatchEventType Type, long ResourceVersion, StoredObject? Object, StoredObject? Previous)
{
    /// <summary>The wire name: ADDED, MODIFIED, DELETED or BOOKMARK.</summary>
    public string TypeName => Type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        WatchEventType.Deleted => "DELETED",
        _ => "BOOKMARK",
    };
}
