using System.Buffers;
using System.Text.Json;

namespace Dca.ClusterChecks;

/// <summary>
/// The leader's cluster-check state (PROTOCOL.md §7): the configurations to run, the node agents that
/// heartbeat, and which node runs which configuration.
/// <list type="bullet">
/// <item>Heartbeats register nodes; a node not heard from for the expiry is dropped and its configurations
/// become dangling.</item>
/// <item>During the warm-up after becoming leader, and until the first placement after it, every heartbeat is
/// answered up to date (node agents keep what they run) and nothing is placed, so the registry fills before
/// placement starts. Outside a term (not leading) the same answer.</item>
/// <item><see cref="Tick"/> expires nodes and places dangling configurations on the least-busy node (fewest
/// configurations, then name).</item>
/// <item><see cref="Rebalance"/> moves configurations from the busiest node (by the run times node agents
/// report) to the least busy one, only when that lowers the busier one's cost by the minimum improvement.</item>
/// <item>A node's <c>last_change</c> moves on every change of its set, strictly increasing, so a node agent that
/// fetched before a change never believes itself up to date after it.</item>
/// </list>
/// Endpoints checks (configurations with a node name) are not dispatched: each node reads its own.
/// One lock guards the state: a heartbeat is a dictionary look-up; a node's configurations response is
/// assembled from each configuration's wire bytes, serialized once per configuration.
/// </summary>
public sealed class ClusterCheckDispatcher
{
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan NodeExpiry = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;
    private readonly TimeSpan _warmUp;
    private readonly TimeSpan _expiry;
    private readonly double _minImprovement;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _placement = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _costs = new(StringComparer.Ordinal);
    private Dictionary<string, List<Entry>> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _endpointsBodies = new(StringComparer.Ordinal);
    private Dictionary<CheckConfig, (string Id, Entry Entry)> _seen = new(ReferenceEqualityComparer.Instance);
    private Dictionary<CheckConfig, (string Id, Entry Entry)> _spareSeen = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Entry> _next = new(StringComparer.Ordinal);
    private DateTimeOffset _leaderSince;
    private long _lastChange;
    private bool _leading;
    private bool _placedAfterWarmUp;

    public ClusterCheckDispatcher(TimeProvider time, ClusterCheckSettings? settings = null)
    {
        _time = time;
        _warmUp = settings?.WarmUp ?? WarmUp;
        _expiry = settings?.NodeExpiry ?? NodeExpiry;
        _minImprovement = settings?.RebalanceMinImprovement ?? 0.10;
        _leaderSince = time.GetUtcNow();
    }

    /// <summary>Starts a term: the warm-up begins, and what an earlier term knew of nodes is forgotten.</summary>
    public void BecomeLeader()
    {
        lock (_lock)
        {
            _leading = true;
            _placedAfterWarmUp = false;
            _leaderSince = _time.GetUtcNow();
            _nodes.Clear();
            _placement.Clear();
        }
    }

    /// <summary>Ends a term: the nodes and placements are forgotten (the next leader rebuilds them).</summary>
    public void StopLeading()
    {
        lock (_lock)
        {
            _leading = false;
            _nodes.Clear();
            _placement.Clear();
        }
    }

    public bool IsLeading => Volatile.Read(ref _leading);

    public bool InWarmUp => _time.GetUtcNow() - _leaderSince < _warmUp;

    /// <summary>
    /// Replaces the set of configurations (from every source). Unchanged ones keep their node; removed ones leave
    /// theirs. Identities and wire bytes are computed outside the lock, and only for configurations not seen in the
    /// previous call (a re-resolved source hands the same objects back), so heartbeats never wait on hashing.
    /// Calls are serialized by their one caller (the sources' loop).
    /// </summary>
    public void SetConfigs(IEnumerable<CheckConfig> configs)
    {
        // Two identity maps used in turn and a reused set: cleared, not re-allocated, so a 10,000-check resolution
        // does not put new arrays on the large-object heap every time.
        var known = _spareSeen;
        known.Clear();
        var next = _next;
        next.Clear();
        var endpoints = new Dictionary<string, List<Entry>>(StringComparer.Ordinal);
        foreach (var config in configs)
        {
            if (!_seen.TryGetValue(config, out var seen))
            {
                seen = (CheckConfigId.Of(config), new Entry(config));
            }
            known[config] = seen;
            if (config.NodeName.Length > 0)
            {
                (endpoints.TryGetValue(config.NodeName, out var list) ? list : endpoints[config.NodeName] = []).Add(seen.Entry);
            }
            else
            {
                next.TryAdd(seen.Id, seen.Entry);
            }
        }
        (_seen, _spareSeen) = (known, _seen);
        lock (_lock)
        {
            foreach (var id in _configs.Keys.Where(id => !next.ContainsKey(id)).ToList())
            {
                _configs.Remove(id);
                _costs.Remove(id);
                if (_placement.Remove(id, out var node) && _nodes.TryGetValue(node, out var state))
                {
                    state.Configs.Remove(id);
                    Changed(state);
                }
            }
            foreach (var (id, entry) in next)
            {
                _configs.TryAdd(id, entry);
            }
            foreach (var (node, list) in endpoints)
            {
                if (!_endpoints.TryGetValue(node, out var previous) || !previous.Select(e => e.Config).SequenceEqual(list.Select(e => e.Config)))
                {
                    _endpointsBodies.Remove(node);
                }
            }
            foreach (var node in _endpoints.Keys.Where(n => !endpoints.ContainsKey(n)))
            {
                _endpointsBodies.Remove(node);
            }
            _endpoints = endpoints;
        }
    }

    /// <summary>
    /// A node agent's heartbeat: true when its <paramref name="lastChange"/> is the current one (or during warm-up).
    /// <paramref name="costsMs"/>, when the node agent reports them, are the run times of the configurations it runs.
    /// </summary>
    public bool Heartbeat(string node, long lastChange, IReadOnlyDictionary<string, double>? costsMs = null)
    {
        lock (_lock)
        {
            // Not leading (the term is starting or ending): node agents keep what they run.
            if (!_leading)
            {
                return true;
            }
            // A value minted by an earlier leader (whose clock may be ahead of ours) is never minted again.
            if (lastChange > _lastChange)
            {
                _lastChange = lastChange;
            }
            if (!_nodes.TryGetValue(node, out var state))
            {
                _nodes[node] = state = new NodeState(NextChange());
            }
            state.LastSeen = _time.GetUtcNow();
            if (costsMs is not null)
            {
                foreach (var (id, cost) in costsMs)
                {
                    if (state.Configs.Contains(id) && double.IsFinite(cost) && cost >= 0)
                    {
                        _costs[id] = cost;
                    }
                }
            }
            // Until the first placement after the warm-up, a node's empty set is not news: it keeps what it runs.
            return !_placedAfterWarmUp || state.LastChange == lastChange;
        }
    }

    /// <summary>The configurations placed on <paramref name="node"/> and its <c>last_change</c>; null for a node that never sent a heartbeat (or expired).</summary>
    public (long LastChange, IReadOnlyList<CheckConfig> Configs)? ConfigsOf(string node)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var state))
            {
                return null;
            }
            return (state.LastChange, [.. state.Configs.Order(StringComparer.Ordinal).Select(id => _configs[id].Config)]);
        }
    }

    /// <summary>
    /// <c>{"last_change":N,"configs":[...]}</c> for <paramref name="node"/>, assembled from each configuration's
    /// wire bytes (a copy, not a serialization: not caching the bodies saves a quarter of the state at 10,000
    /// checks); null for a node that never sent a heartbeat (or expired).
    /// </summary>
    public byte[]? ConfigsBody(string node)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var state))
            {
                return null;
            }
            return Body(state.LastChange, state.Configs.Order(StringComparer.Ordinal).Select(id => _configs[id]));
        }
    }

    /// <summary>The endpoints checks for the pods on <paramref name="node"/>.</summary>
    public IReadOnlyList<CheckConfig> EndpointsConfigsOf(string node)
    {
        lock (_lock)
        {
            return _endpoints.TryGetValue(node, out var list) ? [.. list.Select(e => e.Config)] : [];
        }
    }

    /// <summary><c>{"last_change":0,"configs":[...]}</c>: the endpoints checks for the pods on <paramref name="node"/> (Datadog's last_change is always 0 there).</summary>
    public byte[] EndpointsBody(string node)
    {
        lock (_lock)
        {
            if (_endpointsBodies.TryGetValue(node, out var body))
            {
                return body;
            }
            body = Body(0, _endpoints.TryGetValue(node, out var list) ? list : []);
            if (list is not null)
            {
                _endpointsBodies[node] = body;
            }
            return body;
        }
    }

    /// <summary>Every endpoints check, for the CLI route.</summary>
    public byte[] AllEndpointsBody()
    {
        lock (_lock)
        {
            return Body(0, _endpoints.OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => e.Value));
        }
    }

    /// <summary>Configurations on no node.</summary>
    public IReadOnlyList<CheckConfig> Dangling()
    {
        lock (_lock)
        {
            return [.. _configs.Where(c => !_placement.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value.Config)];
        }
    }

    /// <summary>Node names with their configuration counts.</summary>
    public IReadOnlyList<(string Node, int Configs)> Nodes()
    {
        lock (_lock)
        {
            return [.. _nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => (n.Key, n.Value.Configs.Count))];
        }
    }

    /// <summary>Counts for status and metrics.</summary>
    public DispatchSummary Summary()
    {
        lock (_lock)
        {
            return new DispatchSummary(_leading, _leading && InWarmUp, _nodes.Count, _configs.Count, _configs.Count - _placement.Count,
                _endpoints.Values.Sum(l => l.Count));
        }
    }

    /// <summary>
    /// <c>GET /api/v1/clusterchecks</c> as Datadog's cluster agent answers it:
    /// <c>{"not_running":"","warmup":false,"nodes":[{"name":..,"configs":[..]}],"dangling":[..]}</c>.
    /// </summary>
    public byte[] StateBody(string notRunning)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            lock (_lock)
            {
                w.WriteStartObject();
                w.WriteString("not_running", notRunning);
                w.WriteBoolean("warmup", _leading && InWarmUp);
                w.WriteStartArray("nodes");
                if (notRunning.Length == 0)
                {
                    foreach (var (name, state) in _nodes.OrderBy(n => n.Key, StringComparer.Ordinal))
                    {
                        w.WriteStartObject();
                        w.WriteString("name", name);
                        w.WriteStartArray("configs");
                        foreach (var id in state.Configs.Order(StringComparer.Ordinal))
                        {
                            w.WriteRawValue(_configs[id].Wire, skipInputValidation: true);
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                }
                w.WriteEndArray();
                w.WriteStartArray("dangling");
                if (notRunning.Length == 0)
                {
                    foreach (var (_, entry) in _configs.Where(c => !_placement.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
                    {
                        w.WriteRawValue(entry.Wire, skipInputValidation: true);
                    }
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Expires silent nodes and, after the warm-up, places dangling configurations. Returns how many were placed.</summary>
    public int Tick()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            List<string>? expired = null;
            foreach (var (name, state) in _nodes)
            {
                if (now - state.LastSeen > _expiry)
                {
                    (expired ??= []).Add(name);
                }
            }
            foreach (var name in expired ?? [])
            {
                _nodes.Remove(name, out var state);
                foreach (var id in state!.Configs)
                {
                    _placement.Remove(id);
                }
            }
            if (!_leading || InWarmUp)
            {
                return 0;
            }
            _placedAfterWarmUp = true;
            // Placement is a subset of the configurations: equal counts mean nothing is dangling (no scan).
            if (_nodes.Count == 0 || _placement.Count == _configs.Count)
            {
                return 0;
            }
            var dangling = _configs.Keys.Where(id => !_placement.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
            if (dangling.Count == 0)
            {
                return 0;
            }
            // Least busy first: (configurations, name), so placement is deterministic.
            var queue = new PriorityQueue<string, (int, string)>(Comparer<(int Load, string Name)>.Create(
                static (a, b) => a.Load != b.Load ? a.Load.CompareTo(b.Load) : string.CompareOrdinal(a.Name, b.Name)));
            foreach (var (name, state) in _nodes)
            {
                queue.Enqueue(name, (state.Configs.Count, name));
            }
            var touched = new HashSet<NodeState>();
            foreach (var id in dangling)
            {
                var target = queue.Dequeue();
                var state = _nodes[target];
                _placement[id] = target;
                state.Configs.Add(id);
                touched.Add(state);
                queue.Enqueue(target, (state.Configs.Count, target));
            }
            foreach (var state in touched)
            {
                Changed(state);
            }
            return dangling.Count;
        }
    }

    /// <summary>
    /// Moves configurations from the busiest node to the least busy one while a move lowers the busier of the
    /// two by at least the minimum improvement. A configuration's cost is the run time its node agent reports;
    /// one never measured (a Datadog node agent reports none) costs the mean of the measured ones, or 1 when
    /// none is, so an unmeasured pool balances by count. Nothing moves during the warm-up.
    /// </summary>
    public IReadOnlyList<RebalanceMove> Rebalance()
    {
        lock (_lock)
        {
            var moves = new List<RebalanceMove>();
            if (!_leading || InWarmUp || _nodes.Count < 2)
            {
                return moves;
            }
            var fallback = _costs.Count > 0 ? _costs.Values.Average() : 1.0;
            double Cost(string id) => _costs.TryGetValue(id, out var c) ? c : fallback;
            var busyness = _nodes.ToDictionary(n => n.Key, n => n.Value.Configs.Sum(Cost), StringComparer.Ordinal);
            var touched = new HashSet<NodeState>();
            for (var round = 0; round < _configs.Count; round++)
            {
                var source = busyness.MaxBy(b => (b.Value, b.Key)).Key;
                var dest = busyness.MinBy(b => (b.Value, b.Key)).Key;
                var (sourceLoad, destLoad) = (busyness[source], busyness[dest]);
                // The move that leaves the lower peak of the two, if it lowers the busier one by the minimum improvement.
                string? best = null;
                var bestPeak = double.MaxValue;
                var threshold = sourceLoad * (1 - _minImprovement);
                foreach (var id in _nodes[source].Configs.Order(StringComparer.Ordinal))
                {
                    var weight = Cost(id);
                    var peak = Math.Max(sourceLoad - weight, destLoad + weight);
                    if (peak <= threshold && peak < sourceLoad && peak < bestPeak)
                    {
                        (best, bestPeak) = (id, peak);
                    }
                }
                if (best is null)
                {
                    break;
                }
                var w = Cost(best);
                _nodes[source].Configs.Remove(best);
                _nodes[dest].Configs.Add(best);
                _placement[best] = dest;
                busyness[source] = sourceLoad - w;
                busyness[dest] = destLoad + w;
                touched.Add(_nodes[source]);
                touched.Add(_nodes[dest]);
                moves.Add(new RebalanceMove(best, w, source, -w, dest, w));
            }
            foreach (var state in touched)
            {
                Changed(state);
            }
            return moves;
        }
    }

    private void Changed(NodeState state) => state.LastChange = NextChange();

    private static byte[] Body(long lastChange, IEnumerable<Entry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("last_change", lastChange);
            w.WriteStartArray("configs");
            foreach (var entry in entries)
            {
                w.WriteRawValue(entry.Wire, skipInputValidation: true);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A new <c>last_change</c>: the clock in milliseconds, strictly above every earlier one.</summary>
    private long NextChange() => _lastChange = Math.Max(_lastChange + 1, _time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>A configuration and its wire JSON, serialized once.</summary>
    private sealed class Entry(CheckConfig config)
    {
        public CheckConfig Config { get; } = config;

        public byte[] Wire { get; } = ConfigWire.ToBytes(config);
    }

    private sealed class NodeState(long lastChange)
    {
        public long LastChange { get; set; } = lastChange;

        public DateTimeOffset LastSeen { get; set; }

        public HashSet<string> Configs { get; } = new(StringComparer.Ordinal);
    }
}
