using System.Buffers;
using BenchmarkDotNet.Attributes;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Metadata;

namespace Dca.Benchmarks;

/// <summary>
/// The per-event cost of a watch on the cluster agent's endpoints path, step by step as the reflector
/// and the endpoints handler run it: parse one line (<see cref="WatchLineParser"/>, as
/// <c>KubernetesClient.WatchAsync</c> calls it per line), pack the slice (the reflector's transform,
/// <see cref="EndpointMembers.FromSlice"/>), diff against the stored previous version
/// (<see cref="MembershipDiff"/>, run by the handler before it posts to the builder), and the
/// three together. A pod line is parsed for comparison (the cluster agent does not watch pods).
/// </summary>
[MemoryDiagnoser]
public class WatchEventParsing
{
    private byte[] _sliceLine = [];
    private byte[] _podLine = [];
    private EndpointMembers _previous = null!;
    private EndpointSlice _slice = null!;
    private EndpointMembers _current = null!;
    private readonly MembershipDiff _diff = new();

    [GlobalSetup]
    public void Setup()
    {
        var (before, after) = WatchEventLines.SliceReplacement();
        _sliceLine = after;
        _podLine = WatchEventLines.PodModified();
        _previous = Pack(WatchLineParser.Parse(new ReadOnlySequence<byte>(before), Resources.EndpointSlices.ItemType).Object!);
        _slice = WatchLineParser.Parse(new ReadOnlySequence<byte>(after), Resources.EndpointSlices.ItemType).Object!;
        _current = Pack(_slice);
        var diff = _diff.Compute(_previous, _current);
        Console.WriteLine($"// slice line: {_sliceLine.Length} bytes, {_current.Count} counted endpoints, "
            + $"{diff?.Referenced.Length} nodes referenced, {diff?.Dirty.Length} dirty; pod line: {_podLine.Length} bytes");
    }

    [Benchmark]
    public EndpointSlice? ParseSliceLine() =>
        WatchLineParser.Parse(new ReadOnlySequence<byte>(_sliceLine), Resources.EndpointSlices.ItemType).Object;

    [Benchmark]
    public int PackSlice() => Pack(_slice).Count;

    [Benchmark]
    public int DiffSlice() =>
        _diff.Compute(_previous, _current)?.Dirty.Length ?? 0;

    /// <summary>Line to the change the handler posts (store write and channel post excluded: a few dictionary operations).</summary>
    [Benchmark]
    public int SliceEventTotal()
    {
        var slice = WatchLineParser.Parse(new ReadOnlySequence<byte>(_sliceLine), Resources.EndpointSlices.ItemType).Object!;
        return _diff.Compute(_previous, Pack(slice))?.Dirty.Length ?? 0;
    }

    [Benchmark]
    public Pod? ParsePodLine() =>
        WatchLineParser.Parse(new ReadOnlySequence<byte>(_podLine), Resources.Pods.ItemType).Object;

    // The transform MetadataService gives the EndpointSlice reflector (readiness counted: the default).
    private static EndpointMembers Pack(EndpointSlice slice) => EndpointMembers.FromSlice(slice, ignoreReadiness: false);
}
