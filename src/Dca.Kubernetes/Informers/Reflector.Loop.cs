using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Informers;

public partial class Reflector<T, TStored>
{
    private enum WatchOutcome
    {
        Closed,
        Expired,
    }

    /// <summary>A full paged list, then the difference from the store, reported to the handler.</summary>
    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var listOptions = new ListOptions
        {
            Namespace = _options.Namespace,
            LabelSelector = _options.LabelSelector,
            FieldSelector = _options.FieldSelector,
            Limit = _options.PageSize,
        };
        var (items, resourceVersion) = await _client.ListAllAsync(_kind, listOptions, cancellationToken);
        Interlocked.Increment(ref _relists);

        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        int added = 0, updated = 0, deleted = 0;
        foreach (var listed in items)
        {
            var item = Convert(listed);
            var key = item.Key;
            seen.Add(key);
            switch (Put(key, item))
            {
                case StoreOutcome.Added:
                    added++;
                    break;
                case StoreOutcome.Updated:
                    updated++;
                    break;
            }
        }
        Store.RetainOnly(seen, gone =>
        {
            deleted++;
            _handler?.OnDeleted(gone);
        });
        Volatile.Write(ref _resourceVersion, resourceVersion);
        HasSynced = true;
        Succeeded();
        Log.Listed(_logger, Name, Store.Count, resourceVersion, added, updated, deleted);
        _handler?.OnSynced();
    }

    private async Task<WatchOutcome> WatchAsync(CancellationToken cancellationToken)
    {
        var timeout = _options.MinWatchTimeout * (1 + Random.Shared.NextDouble());
        var watchOptions = new ListOptions
        {
            Namespace = _options.Namespace,
            LabelSelector = _options.LabelSelector,
            FieldSelector = _options.FieldSelector,
            ResourceVersion = ResourceVersion,
            AllowBookmarks = true,
            TimeoutSeconds = timeout,
        };
        await foreach (var change in _client.WatchAsync(_kind, watchOptions, _options.IdleTimeout, cancellationToken))
        {
            Interlocked.Increment(ref _events);
            if (change.Type == WatchEventType.Error)
            {
                var status = change.Error;
                Log.WatchError(_logger, Name, status?.Code ?? 0, status?.Reason, status?.Message);
                if (status is { Code: 410 } or { Reason: "Expired" or "Gone" })
                {
                    Log.WatchEnded(_logger, Name, ResourceVersion, "expired");
                    return WatchOutcome.Expired;
                }
                throw new KubernetesApiException((System.Net.HttpStatusCode)(status?.Code ?? 500), status?.Reason,
                    status?.Message ?? "watch error", "watch", _kind.DisplayName);
            }
            if (change.Object is not { } received)
            {
                continue;
            }
            if (change.Type != WatchEventType.Bookmark)
            {
                Apply(change.Type, Convert(received));
            }
            if (received.Metadata.ResourceVersion is { Length: > 0 } rv)
            {
                Volatile.Write(ref _resourceVersion, rv);
            }
            Succeeded();
        }
        Log.WatchEnded(_logger, Name, ResourceVersion, "closed by the server");
        return WatchOutcome.Closed;
    }

    /// <summary>Applies one event; a replayed event the store already reflects is not reported again.</summary>
    private void Apply(WatchEventType type, TStored item)
    {
        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                Put(item.Key, item);
                break;
            case WatchEventType.Deleted:
                if (Store.Remove(item.Key, out var gone))
                {
                    _handler?.OnDeleted(gone);
                }
                break;
            case WatchEventType.Bookmark:
            default:
                break;
        }
    }

    private enum StoreOutcome
    {
        Unchanged,
        Added,
        Updated,
    }

    /// <summary>Stores an added or modified object and reports it, unless the store holds that version already.</summary>
    private StoreOutcome Put(string key, TStored item)
    {
        var previous = Store.Get(key);
        if (previous is null)
        {
            Store.Set(key, item);
            _handler?.OnAdded(item);
            return StoreOutcome.Added;
        }
        if (previous.Version != item.Version)
        {
            Store.Set(key, item);
            _handler?.OnUpdated(previous, item);
            return StoreOutcome.Updated;
        }
        return StoreOutcome.Unchanged;
    }
}
