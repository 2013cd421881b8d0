namespace Dca.Metadata;

/// <summary>Orders memberships by namespace, pod, then service (ordinal), the order the bodies list them in.</summary>
internal sealed class MembershipOrder : IComparer<Membership>
{
    public static readonly MembershipOrder Instance = new();

    public int Compare(Membership x, Membership y)
    {
        var c = string.CompareOrdinal(x.Namespace, y.Namespace);
        if (c != 0)
        {
            return c;
        }
        c = string.CompareOrdinal(x.Pod, y.Pod);
        return c != 0 ? c : string.CompareOrdinal(x.Service, y.Service);
    }
}
