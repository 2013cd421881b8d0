using System.Diagnostics;
using System.Threading.Channels;

namespace Dca.Metadata;

/// <summary>
/// The one writer of cluster metadata (see README.md beside this file). It applies queued changes to
/// its private working state, coalesces bursts, re-serializes only the nodes and namespaces that
/// changed, and publishes a new <see cref="ClusterSnapshot"/> with one atomic swap.
/// </summary>
internal sealed partial class SnapshotBuilder
{
    private readonly Channel<MetadataChange> _changes = Channel.CreateUnbounded<MetadataChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SnapshotHolder _holder;
    private readonly Func<string, NodeMetadataBodies?> _nodeBodies;
    private readonly Func<string, NamespaceEntry?> _namespaceBodies;
    private readonly EndpointsView _endpoints;
    private readonly TimeProvider _time;
    private readonly TimeSpan _coalesceWindow;
    private readonly HashSet<string> _expectedInformers;
    private readonly ILogger _logger;
    private readonly Action? _afterFirstSync;

    // Writer-owned working state: touched only by RunAsync's loop.
    // Node -> keys of the endpoints objects that reference it (~30 per node: a list costs half a set).
    private readonly Dictionary<string, List<string>> _nodeSources = new(StringComparer.Ordinal);
    private readonly ShardedMap<NodeEntry>.Builder _nodes = new();
    private readonly ShardedMap<NamespaceEntry>.Builder _namespaces = new();
    private readonly HashSet<string> _dirtyBundles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyNodeMetadata = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyNamespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _synced = new(StringComparer.Ordinal);
    private readonly List<long> _pendingSince = [];
    private long _generation;
    private long _lastBuildTicks;
    private long _builds;
    private long _bodiesSerialized;

    public SnapshotBuilder(
        SnapshotHolder holder,
        Func<string, NodeMetadataBodies?> nodeBodies,
        Func<string, NamespaceEntry?> namespaceBodies,
        EndpointsView endpoints,
        IEnumerable<string> expectedInformers,
        TimeSpan coalesceWindow,
        TimeProvider time,
        ILogger logger,
        Action? afterFirstSync = null)
    {
        _afterFirstSync = afterFirstSync;
        _holder = holder;
        _nodeBodies = nodeBodies;
        _namespaceBodies = namespaceBodies;
        _endpoints = endpoints;
        _expectedInformers = new HashSet<string>(expectedInformers, StringComparer.Ordinal);
        _coalesceWindow = coalesceWindow;
        _time = time;
        _logger = logger;
    }

    /// <summary>Queues a change; safe from any thread (reflector handlers call it).</summary>
    public void Post(MetadataChange change) => _changes.Writer.TryWrite(change);

    /// <summary>Time the last build took.</summary>
    public TimeSpan LastBuildDuration => TimeSpan.FromTicks(Interlocked.Read(ref _lastBuildTicks));

    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>Per-node and per-namespace bodies serialized so far (only changed ones are).</summary>
    public long BodiesSerialized => Interlocked.Read(ref _bodiesSerialized);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _changes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                Drain(reader);
                if (_coalesceWindow > TimeSpan.Zero)
                {
                    await Task.Delay(_coalesceWindow, _time, cancellationToken);
                    Drain(reader);
                }
                Build();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Drain(ChannelReader<MetadataChange> reader)
    {
        while (reader.TryRead(out var change))
        {
            Apply(change);
        }
    }

    /// <summary>
    /// Time from a change's arrival (its reflector handler) to the publication of the snapshot that
    /// shows it: what a node agent waits, at most, beyond its own polling.
    /// </summary>
    public Telemetry.LatencyHistogram VisibilityDelay { get; } = new();

    private void Apply(MetadataChange change)
    {
        if (change is not MetadataChange.Synced)
        {
            _pendingSince.Add(change.PostedAt);
        }
        switch (change)
        {
            case MetadataChange.EndpointsChanged e:
                foreach (var node in e.Unreferenced)
                {
                    if (_nodeSources.TryGetValue(node, out var sources))
                    {
                        sources.Remove(e.Key);
                        if (sources.Count == 0)
                        {
                            _nodeSources.Remove(node);
                        }
                    }
                }
                foreach (var node in e.Referenced)
                {
                    if (!_nodeSources.TryGetValue(node, out var sources))
                    {
                        _nodeSources[node] = sources = [];
                    }
                    if (!sources.Contains(e.Key))
                    {
                        sources.Add(e.Key);
                    }
                }
                _dirtyBundles.UnionWith(e.Dirty);
                break;
            case MetadataChange.NodeChanged n:
                _dirtyNodeMetadata.Add(n.Name);
                break;
            case MetadataChange.NamespaceChanged ns:
                _dirtyNamespaces.Add(ns.Name);
                break;
            case MetadataChange.Synced s:
                _synced.Add(s.Informer);
                break;
            default:
                break;
        }
    }

    /// <summary>Re-serializes what changed and publishes a new snapshot (also when only the sync state changed).</summary>
    internal void Build()
    {
        var clock = Stopwatch.StartNew();
        var previous = _holder.Current;
        var serialized = 0;
        var memberships = CollectMemberships();
        foreach (var node in _dirtyBundles.Union(_dirtyNodeMetadata, StringComparer.Ordinal))
        {
            serialized += RebuildNode(node, _dirtyBundles.Contains(node), memberships);
        }
        foreach (var ns in _dirtyNamespaces)
        {
            serialized += RebuildNamespace(ns);
        }
        var nodesChanged = _nodes.HasChanges;
        var namespacesChanged = _namespaces.HasChanges;
        _dirtyBundles.Clear();
        _dirtyNodeMetadata.Clear();
        _dirtyNamespaces.Clear();

        var synced = _expectedInformers.IsSubsetOf(_synced);
        if (!nodesChanged && !namespacesChanged && synced == previous.Synced)
        {
            // Nothing visible changed (e.g. a slice update that moved no pod): nothing to wait for.
            ForgetPending();
            return;
        }
        var snapshot = new ClusterSnapshot(
            _nodes.Publish(),
            _namespaces.Publish(),
            ++_generation,
            _time.GetUtcNow(),
            synced);
        _holder.Publish(snapshot);
        var published = Stopwatch.GetTimestamp();
        if (previous.Synced)
        {
            // Watch events only: the first lists' objects are measured by the time to /ready.
            foreach (var postedAt in _pendingSince)
            {
                VisibilityDelay.Record(published - postedAt);
            }
        }
        ForgetPending();
        Interlocked.Exchange(ref _lastBuildTicks, clock.Elapsed.Ticks);
        Interlocked.Increment(ref _builds);
        Interlocked.Add(ref _bodiesSerialized, serialized);
        if (synced && !previous.Synced)
        {
            Log.FirstSnapshot(_logger, snapshot.Nodes.Count, snapshot.Namespaces.Count, snapshot.Nodes.Values.Sum(n => n.PodCount), clock.Elapsed.TotalMilliseconds);
            _afterFirstSync?.Invoke();
        }
    }

    private void ForgetPending()
    {
        _pendingSince.Clear();
        // The first lists queue a change per object (100,000 slices: 800 KB of timestamps); keep what churn needs.
        if (_pendingSince.Capacity > 4096)
        {
            _pendingSince.Capacity = 4096;
        }
    }

    /// <summary>
    /// The memberships of every node whose bundle changed, in one pass over each endpoints object that
    /// touches one of them (not one pass per node: at start-up every node is dirty).
    /// </summary>
    private Dictionary<string, List<Membership>> CollectMemberships()
    {
        var memberships = new Dictionary<string, List<Membership>>(_dirtyBundles.Count, StringComparer.Ordinal);
        var sources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _dirtyBundles)
        {
            if (_nodeSources.TryGetValue(node, out var keys))
            {
                sources.UnionWith(keys);
            }
        }
        foreach (var key in sources)
        {
            _endpoints.Collect(key, _dirtyBundles, memberships);
        }
        return memberships;
    }

    private int RebuildNode(string node, bool bundleChanged, Dictionary<string, List<Membership>> memberships)
    {
        // The node's bodies as its reflector stored them (serialized once per change of the node).
        var metadata = _nodeBodies(node);
        _nodes.TryGetValue(node, out var previous);
        byte[] body;
        int pods;
        if (bundleChanged || previous is null)
        {
            var list = memberships.GetValueOrDefault(node) ?? [];
            list.Sort(MembershipOrder.Instance);
            (body, pods) = (StoredBody.Pack(MetadataBodies.PodTags(node, list)), CountPods(list));
        }
        else
        {
            (body, pods) = (previous.PodTagsBody, previous.PodCount);
        }
        if (metadata is null && pods == 0)
        {
            _nodes.Remove(node);
            return 0;
        }
        _nodes.Set(node, new NodeEntry { PodTagsBody = body, PodCount = pods, Metadata = metadata });
        return 1;
    }

    private static int CountPods(List<Membership> sorted)
    {
        var count = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            if (i == 0 || sorted[i].Pod != sorted[i - 1].Pod || sorted[i].Namespace != sorted[i - 1].Namespace)
            {
                count++;
            }
        }
        return count;
    }

    private int RebuildNamespace(string name)
    {
        if (_namespaceBodies(name) is not { } ns)
        {
            _namespaces.Remove(name);
            return 0;
        }
        _namespaces.Set(name, ns);
        return 1;
    }

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Cluster metadata synced: {Nodes} nodes, {Namespaces} namespaces, {Pods} pods with services; snapshot built in {Milliseconds:F1} ms")]
        public static partial void FirstSnapshot(ILogger logger, int nodes, int namespaces, int pods, double milliseconds);
    }
}
