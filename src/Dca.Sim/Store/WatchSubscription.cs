using System.Threading.Channels;

namespace Dca.Sim.Store;

/// <summary>
/// One open watch on the store: the events of its resource after its starting resourceVersion, in
/// order, bookmarks included when asked for. The store writes under its lock (so bookmarks never
/// overtake events); the watch's connection reads. A reader that falls more than
/// <see cref="MaxBacklog"/> events behind is cut off, like the real watch cache does with slow watchers.
/// Dispose to unsubscribe.
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    /// <summary>Events a watcher may have queued before it is terminated.</summary>
    public const int MaxBacklog = 500_000;

    private readonly Channel<WatchEvent> _channel =
        Channel.CreateUnbounded<WatchEvent>();

    private readonly ObjectStore _store;

    internal WatchSubscription(ObjectStore store, ResourceType type, long startRv, IReadOnlyList<StoredObject>? initial)
    {
        _store = store;
        Type = type;
        StartResourceVersion = startRv;
        Initial = initial ?? [];
    }

    /// <summary>The watched resource.</summary>
    public ResourceType Type { get; }

    /// <summary>The resourceVersion the watch starts after.</summary>
    public long StartResourceVersion { get; }

    /// <summary>The current objects to send as ADDED first (watch from "0" or no resourceVersion).</summary>
    public IReadOnlyList<StoredObject> Initial { get; }

    /// <summary>The events, in order; completes when the watcher is cut off or the store is closed.</summary>
    public ChannelReader<WatchEvent> Events => _channel.Reader;

    /// <summary>Asks the store for a bookmark at the current resourceVersion, ordered after every event already queued.</summary>
    public void RequestBookmark() => _store.Bookmark(this);

    internal void Publish(WatchEvent e)
    {
        if (_channel.Reader.Count >= MaxBacklog)
        {
            _channel.Writer.TryComplete();
            return;
        }
        _channel.Writer.TryWrite(e);
    }

    internal void Complete() => _channel.Writer.TryComplete();

    /// <inheritdoc />
    public void Dispose()
    {
        _store.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
