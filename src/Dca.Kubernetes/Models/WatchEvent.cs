namespace Dca.Kubernetes.Models;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// <summary>
/// One watch event: the object for ADDED/MODIFIED/DELETED, the new resourceVersion for BOOKMARK
/// (the object then carries only metadata.resourceVersion), the Status for ERROR.
/// </summary>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, Status? Error);
