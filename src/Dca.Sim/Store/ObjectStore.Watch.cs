using System.Globalization;

namespace Dca.Sim.Store;

public sealed partial class ObjectStore
{
    /// <summary>
    /// Opens a watch. With no resourceVersion or "0" the current objects come first (as synthetic
    /// ADDED events, like the real server) and changes follow; with a resourceVersion the history
    /// after it is replayed, then live changes.
    /// </summary>
    /// <exception cref="StatusException">410 Expired when the resourceVersion is older than the history; 400 when it is not a number.</exception>
    public WatchSubscription Watch(ResourceType type, string? resourceVersion)
    {
        var collection = Collection(type);
        long from = -1;
        if (resourceVersion is { Length: > 0 } and not "0"
            && !long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out from))
        {
            throw StatusException.BadRequest($"invalid resource version \"{resourceVersion}\"");
        }
        lock (_lock)
        {
            WatchSubscription subscription;
            if (from < 0)
            {
                subscription = new WatchSubscription(this, type, _rv, collection.Items);
            }
            else
            {
                if (from < _compactedRv)
                {
                    throw StatusException.TooOld(from, _compactedRv);
                }
                subscription = new WatchSubscription(this, type, from, null);
                foreach (var e in _history.After(type, from))
                {
                    subscription.Publish(e);
                }
            }
            collection.Watchers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>The number of open watches on a resource.</summary>
    public int WatcherCount(ResourceType type)
    {
        var collection = Collection(type);
        lock (_lock)
        {
            return collection.Watchers.Count;
        }
    }

    internal void Bookmark(WatchSubscription subscription)
    {
        lock (_lock)
        {
            subscription.Publish(new WatchEvent(WatchEventType.Bookmark, _rv, null, null));
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_lock)
        {
            // The resource may be gone (its CRD deleted): then so are its watchers.
            if (_collections.TryGetValue(subscription.Type, out var collection))
            {
                collection.Watchers.Remove(subscription);
            }
        }
    }

    /// <summary>Ends every open watch (their streams finish; clients re-watch), as an API server restart would.</summary>
    public void CloseWatches()
    {
        lock (_lock)
        {
            foreach (var collection in _collections.Values)
            {
                foreach (var watcher in collection.Watchers)
                {
                    watcher.Complete();
                }
            }
        }
    }
}
