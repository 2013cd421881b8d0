using System.Collections.Concurrent;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Tests.Informers;

/// <summary>Records what a reflector reports, as "added ns/name@rv" lines.</summary>
public sealed class RecordingHandler<T> : IReflectorHandler<T> where T : class, IKubernetesObject
{
    public ConcurrentQueue<string> Changes { get; } = new();

    private int _syncs;

    public int Syncs => Volatile.Read(ref _syncs);

    public void OnAdded(T item) => Changes.Enqueue($"added {item.Metadata.Key}@{item.Metadata.ResourceVersion}");

    public void OnUpdated(T previous, T current) => Changes.Enqueue($"updated {current.Metadata.Key}@{current.Metadata.ResourceVersion}");

    public void OnDeleted(T item) => Changes.Enqueue($"deleted {item.Metadata.Key}@{item.Metadata.ResourceVersion}");

    public void OnSynced() => Interlocked.Increment(ref _syncs);
}
