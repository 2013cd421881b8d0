namespace Dca.Metadata;

/// <summary>The services that select one pod on a node (an entry of a node's bundle).</summary>
internal sealed record PodServices(string Namespace, string Pod, string[] Services);

/// <summary>Orders pods by namespace then name (ordinal), so a node's pods can be binary-searched.</summary>
internal sealed class PodServicesOrder : IComparer<PodServices>
{
    public static readonly PodServicesOrder Instance = new();

    public int Compare(PodServices? x, PodServices? y) => Compare(x!.Namespace, x.Pod, y!.Namespace, y.Pod);

    public static int Compare(string nsA, string podA, string nsB, string podB)
    {
        var c = string.CompareOrdinal(nsA, nsB);
        return c != 0 ? c : string.CompareOrdinal(podA, podB);
    }
}
