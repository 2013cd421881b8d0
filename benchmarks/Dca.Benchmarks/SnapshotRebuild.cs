using BenchmarkDotNet.Attributes;
using Dca.Metadata;
using Dca.Sim.Scenarios;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Benchmarks;

/// <summary>
/// What one publication of the metadata snapshot costs in the 5k profile (5,000 nodes, 150,000 pods):
/// the real <see cref="SnapshotBuilder"/> loop, fed through <see cref="SnapshotBuilder.Post"/> and run
/// inline (see <see cref="InlineLoopContext"/>) so one operation is: post the changes, drain them,
/// collect the dirty nodes' memberships, re-serialize their bodies, copy the touched shards, publish.
/// The coalescing window is zero: in the service it only waits (20 ms), it does no work.
/// </summary>
[MemoryDiagnoser]
public class SnapshotRebuild
{
    private readonly InlineLoopContext _loop = new();
    private ListedCluster _cluster = null!;
    private MetadataChange[] _firstLists = [];
    private MetadataChange[] _oneNode = [];
    private MetadataChange[] _hundredNodes = [];
    private SnapshotHolder _holder = null!;
    private SnapshotBuilder _builder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cluster = ListedCluster.Load(ScenarioOptions.FiveK);
        _firstLists = _cluster.FirstListChanges();
        _oneNode = _cluster.SliceUpdates(1);
        _hundredNodes = _cluster.SliceUpdates(100);
        (_holder, _builder, var run) = Start();
        Publish(_builder, _holder, _firstLists);
        var first = _holder.Current;
        Console.WriteLine($"// {first.Nodes.Count} nodes, {first.Nodes.Values.Sum(n => n.PodCount)} pods with services, "
            + $"{_cluster.Endpoints.Count} slices, {_cluster.Endpoints.Items.Sum(e => e.Count)} counted endpoints");
        // Each operation must be exactly one build and one publication, on this thread.
        foreach (var changes in new[] { _oneNode, _hundredNodes })
        {
            var generation = Publish(_builder, _holder, changes);
            if (run.IsFaulted || !first.Synced || generation != first.Generation + 1)
            {
                throw new InvalidOperationException("the builder loop did not publish inline: " + run.Exception?.Message);
            }
            first = _holder.Current;
        }
    }

    /// <summary>One slice update dirtying one node (half a pod replacement): the steady state.</summary>
    [Benchmark]
    public long OneNodeDirty() => Publish(_builder, _holder, _oneNode);

    /// <summary>100 slice updates dirtying 100 nodes in one coalesced build: a burst of ~50 pod replacements.</summary>
    [Benchmark]
    public long HundredNodesDirty() => Publish(_builder, _holder, _hundredNodes);

    /// <summary>A new builder given the first lists of all four informers at once: every node serialized.</summary>
    [Benchmark]
    public long FirstBuild()
    {
        var (holder, builder, _) = Start();
        return Publish(builder, holder, _firstLists);
    }

    private (SnapshotHolder Holder, SnapshotBuilder Builder, Task Run) Start()
    {
        var holder = new SnapshotHolder();
        var builder = new SnapshotBuilder(holder, name => _cluster.Nodes.Get(name)?.Served, static _ => null,
            new EndpointsView(_cluster.Endpoints.Get), ListedCluster.Informers,
            TimeSpan.Zero, TimeProvider.System, NullLogger.Instance);
        // Never cancelled: the loop parks on its channel between operations (a builder dropped by
        // FirstBuild is collected with its parked loop).
        return (holder, builder, _loop.Start(() => builder.RunAsync(CancellationToken.None)));
    }

    private long Publish(SnapshotBuilder builder, SnapshotHolder holder, MetadataChange[] changes)
    {
        foreach (var change in changes)
        {
            builder.Post(change);
        }
        // The loop resumes here: drains every queued change, builds once, publishes, parks again.
        _loop.RunPending();
        return holder.Current.Generation;
    }
}
