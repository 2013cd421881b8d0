namespace Dca.Sim.Store;

/// <summary>
/// The order of objects in a collection and of list results: namespace, then name, ordinal — the
/// order of etcd's keys (<c>/registry/pods/&lt;namespace&gt;/&lt;name&gt;</c>), which is what
/// continue tokens resume from.
/// </summary>
internal sealed class ObjectOrder : IComparer<StoredObject>
{
    public static readonly ObjectOrder Instance = new();

    public int Compare(StoredObject? x, StoredObject? y)
    {
        var c = string.CompareOrdinal(x!.Namespace, y!.Namespace);
        return c != 0 ? c : string.CompareOrdinal(x.Name, y.Name);
    }

    public static int Compare(StoredObject x, string ns, string name)
    {
        var c = string.CompareOrdinal(x.Namespace, ns);
        return c != 0 ? c : string.CompareOrdinal(x.Name, name);
    }
}
