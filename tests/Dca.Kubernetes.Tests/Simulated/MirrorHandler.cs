using System.Collections.Concurrent;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Tests.Simulated;

/// <summary>
/// Rebuilds the collection from handler callbacks alone and counts every callback that would be a
/// duplicate (an add of a known key, an update to the same version) or a miss (an update or delete of
/// an unknown key).
/// </summary>
public sealed class MirrorHandler<T> : IReflectorHandler<T> where T : class, IKubernetesObject
{
    private readonly ConcurrentDictionary<string, string?> _mirror = new(StringComparer.Ordinal);
    private int _duplicates;
    private int _misses;

    public IReadOnlyDictionary<string, string?> Mirror => _mirror;

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int Misses => Volatile.Read(ref _misses);

    public void OnAdded(T item)
    {
        if (!_mirror.TryAdd(item.Metadata.Key, item.Metadata.ResourceVersion))
        {
            Interlocked.Increment(ref _duplicates);
            _mirror[item.Metadata.Key] = item.Metadata.ResourceVersion;
        }
    }

    public void OnUpdated(T previous, T current)
    {
        if (!_mirror.TryGetValue(current.Metadata.Key, out var rv))
        {
            Interlocked.Increment(ref _misses);
        }
        else if (rv == current.Metadata.ResourceVersion)
        {
            Interlocked.Increment(ref _duplicates);
        }
        _mirror[current.Metadata.Key] = current.Metadata.ResourceVersion;
    }

    public void OnDeleted(T item)
    {
        if (!_mirror.TryRemove(item.Metadata.Key, out _))
        {
            Interlocked.Increment(ref _misses);
        }
    }

    public void OnSynced()
    {
    }
}
