using Dca.Metadata;

namespace Dca.Tests.Metadata;

/// <summary>The plain set-difference the packed <see cref="MembershipDiff"/> is held to.</summary>
internal static class ReferenceDiff
{
    /// <summary>
    /// The definition <see cref="MembershipDiff"/> must meet, on decoded memberships: the nodes referenced
    /// after the change, those no longer referenced, and those whose memberships differ; null when
    /// nothing differs.
    /// </summary>
    public static (string[] Referenced, string[] Unreferenced, string[] Dirty)? Diff(IEnumerable<NodeMembership> before, IEnumerable<NodeMembership> after)
    {
        var removed = new HashSet<NodeMembership>(before);
        var referencedBefore = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in removed)
        {
            referencedBefore.Add(member.Node);
        }
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in after)
        {
            referenced.Add(member.Node);
            if (!removed.Remove(member))
            {
                dirty.Add(member.Node);
            }
        }
        foreach (var member in removed)
        {
            dirty.Add(member.Node);
        }
        referencedBefore.ExceptWith(referenced);
        if (dirty.Count == 0 && referencedBefore.Count == 0)
        {
            return null;
        }
        return ([.. referenced], [.. referencedBefore], [.. dirty]);
    }
}
