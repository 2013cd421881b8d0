namespace Dca.Metadata;

/// <summary>
/// The nodes an endpoints change touches, computed on the packed entries: the same answer as a
/// set difference of decoded memberships (the tests' reference) without decoding a pod name or building a set of memberships.
/// A slice watch event compares two 100-endpoint versions; decoding both to strings and hashing them
/// was half the garbage of an event under churn. One instance per informer: its reflector calls the
/// handler from one task at a time, so the scratch sets are reused, never shared.
/// </summary>
internal sealed class MembershipDiff
{
    private readonly HashSet<Entry> _removed = new(EntryComparer.Instance);
    private readonly HashSet<string> _referencedBefore = new(StringComparer.Ordinal);
    private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);

    /// <summary>The nodes referenced after the change, those no longer referenced, and those whose memberships differ; null when nothing differs.</summary>
    public (string[] Referenced, string[] Unreferenced, string[] Dirty)? Compute(EndpointMembers? before, EndpointMembers? after)
    {
        _removed.Clear();
        _referencedBefore.Clear();
        _referenced.Clear();
        _dirty.Clear();
        for (var i = 0; i < (before?.Count ?? 0); i++)
        {
            // A set, as in the reference: a pod listed twice counts once.
            _removed.Add(new Entry(before!, i));
            _referencedBefore.Add(before!.NodeAt(i));
        }
        for (var i = 0; i < (after?.Count ?? 0); i++)
        {
            var node = after!.NodeAt(i);
            _referenced.Add(node);
            if (!_removed.Remove(new Entry(after, i)))
            {
                _dirty.Add(node);
            }
        }
        foreach (var entry in _removed)
        {
            _dirty.Add(entry.Members.NodeAt(entry.Index));
        }
        _referencedBefore.ExceptWith(_referenced);
        if (_dirty.Count == 0 && _referencedBefore.Count == 0)
        {
            return null;
        }
        return ([.. _referenced], [.. _referencedBefore], [.. _dirty]);
    }

    /// <summary>Entry <see cref="Index"/> of a packed object: its node, namespace, pod name and service.</summary>
    private readonly record struct Entry(EndpointMembers Members, int Index);

    private sealed class EntryComparer : IEqualityComparer<Entry>
    {
        public static readonly EntryComparer Instance = new();

        // The service is part of a membership: a slice relabelled to another service changes every node it spans.
        public bool Equals(Entry x, Entry y) =>
            string.Equals(x.Members.NodeAt(x.Index), y.Members.NodeAt(y.Index), StringComparison.Ordinal)
            && string.Equals(x.Members.Service, y.Members.Service, StringComparison.Ordinal)
            && string.Equals(x.Members.NamespaceAt(x.Index), y.Members.NamespaceAt(y.Index), StringComparison.Ordinal)
            && x.Members.SamePodName(x.Index, y.Members, y.Index);

        public int GetHashCode(Entry e) =>
            HashCode.Combine(e.Members.PodNameHash(e.Index), StringComparer.Ordinal.GetHashCode(e.Members.NodeAt(e.Index)));
    }
}
