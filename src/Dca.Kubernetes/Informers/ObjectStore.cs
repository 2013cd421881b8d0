using System.Collections.Concurrent;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Informers;

/// <summary>
/// The reflector's copy of a resource, keyed <c>namespace/name</c>. Written only by its reflector's
/// loop; read from any thread (a concurrent dictionary: readers never block the writer).
/// </summary>
public sealed class ObjectStore<T> where T : class, IKubernetesObject
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public T? Get(string key) => _items.TryGetValue(key, out var item) ? item : null;

    public ICollection<string> Keys => _items.Keys;

    public ICollection<T> Items => _items.Values;

    internal void Set(string key, T item) => _items[key] = item;

    internal bool Remove(string key, out T? item) => _items.TryRemove(key, out item);
}
