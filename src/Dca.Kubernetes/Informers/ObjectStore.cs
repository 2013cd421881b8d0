using System.Diagnostics.CodeAnalysis;

namespace Dca.Kubernetes.Informers;

/// <summary>
/// What a reflector keeps of a resource, keyed <c>namespace/name</c>: written only by its reflector's
/// loop, read from any thread. <see cref="ObjectStore{T}"/> keeps the objects;
/// <see cref="VersionIndex"/> only counts them.
/// </summary>
public interface IReflectorStore<T> where T : class, IStoredObject
{
    int Count { get; }

    /// <summary>The stored object with that key, or null.</summary>
    T? Get(string key);

    /// <summary>Stores <paramref name="item"/> under <paramref name="key"/>, its <see cref="IStoredObject.Key"/>.</summary>
    internal void Set(string key, T item);

    internal bool Remove(string key, [NotNullWhen(true)] out T? item);

    /// <summary>Removes every object whose key is not in <paramref name="keys"/> (a relist's), reporting each.</summary>
    internal void RetainOnly(IReadOnlySet<string> keys, Action<T> removed);
}

/// <summary>
/// The reflector's copy of a resource, keyed <c>namespace/name</c>. Written only by its reflector's
/// loop; read from any thread under one short lock (the API's answers never read a store: they are served
/// from the published snapshot). A dictionary entry costs 24 bytes where a concurrent dictionary's node
/// costs 48 and its bucket 8 more: 100,000 EndpointSlices keep 3 MB less. <see cref="Keys"/> and
/// <see cref="Items"/> are copies, as a concurrent dictionary's are.
/// </summary>
public sealed class ObjectStore<T> : IReflectorStore<T> where T : class, IStoredObject
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public T? Get(string key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public IReadOnlyCollection<string> Keys
    {
        get
        {
            lock (_lock)
            {
                return [.. _items.Keys];
            }
        }
    }

    public IReadOnlyCollection<T> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _items.Values];
            }
        }
    }

    internal void Set(string key, T item)
    {
        lock (_lock)
        {
            _items[key] = item;
            Volatile.Write(ref _count, _items.Count);
        }
    }

    void IReflectorStore<T>.Set(string key, T item) => Set(key, item);

    bool IReflectorStore<T>.Remove(string key, [NotNullWhen(true)] out T? item)
    {
        lock (_lock)
        {
            var removed = _items.Remove(key, out item);
            Volatile.Write(ref _count, _items.Count);
            return removed;
        }
    }

    void IReflectorStore<T>.RetainOnly(IReadOnlySet<string> keys, Action<T> removed)
    {
        List<T> gone = [];
        lock (_lock)
        {
            foreach (var key in _items.Keys.Where(k => !keys.Contains(k)).ToList())
            {
                if (_items.Remove(key, out var item))
                {
                    gone.Add(item);
                }
            }
            // A list leaves the table at its exact size: growth while listing doubles it.
            _items.TrimExcess();
            Volatile.Write(ref _count, _items.Count);
        }
        gone.ForEach(removed);
    }
}

/// <summary>
/// A store for informers whose objects are only counted (services: the agents need their number and the
/// sync, never their content). It keeps a 64-bit hash of each key and the version, 24 bytes an object
/// instead of a key string, an object and its metadata (~330 bytes): 100,000 services cost ~3 MB. The
/// hash is seeded per process; two keys sharing one would count once, at odds of ~1 in 10^9 for
/// 200,000 objects. Objects it hands back carry the key asked for, or none after a relist removal.
/// </summary>
public sealed class VersionIndex : IReflectorStore<ObjectVersion>
{
    private readonly Dictionary<ulong, ulong> _versions = [];
    private readonly Lock _lock = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public ObjectVersion? Get(string key)
    {
        lock (_lock)
        {
            return _versions.TryGetValue(StoredVersion.Hash(key), out var version) ? new ObjectVersion(key, version) : null;
        }
    }

    void IReflectorStore<ObjectVersion>.Set(string key, ObjectVersion item)
    {
        lock (_lock)
        {
            _versions[StoredVersion.Hash(key)] = item.Version;
            Volatile.Write(ref _count, _versions.Count);
        }
    }

    bool IReflectorStore<ObjectVersion>.Remove(string key, [NotNullWhen(true)] out ObjectVersion? item)
    {
        lock (_lock)
        {
            item = _versions.Remove(StoredVersion.Hash(key), out var version) ? new ObjectVersion(key, version) : null;
            Volatile.Write(ref _count, _versions.Count);
            return item is not null;
        }
    }

    void IReflectorStore<ObjectVersion>.RetainOnly(IReadOnlySet<string> keys, Action<ObjectVersion> removed)
    {
        var listed = new HashSet<ulong>(keys.Count);
        foreach (var key in keys)
        {
            listed.Add(StoredVersion.Hash(key));
        }
        List<ObjectVersion> gone = [];
        lock (_lock)
        {
            foreach (var (hash, version) in _versions.Where(v => !listed.Contains(v.Key)).ToList())
            {
                _versions.Remove(hash);
                gone.Add(new ObjectVersion("", version));
            }
            _versions.TrimExcess();
            Volatile.Write(ref _count, _versions.Count);
        }
        gone.ForEach(removed);
    }
}
