namespace Dca.Kubernetes.Informers;

/// <summary>
/// Receives a reflector's changes on its loop, after the store has been updated. Each object change
/// is reported once: a relist reports only the difference from what the store held.
/// </summary>
public interface IReflectorHandler<in T> where T : class, IStoredObject
{
    void OnAdded(T item);

    void OnUpdated(T previous, T current);

    void OnDeleted(T item);

    /// <summary>The store holds a complete, consistent list (after the first list and each relist).</summary>
    void OnSynced();
}
