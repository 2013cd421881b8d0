namespace Dca.ClusterChecks;

/// <summary>
/// The leader's cluster-check state (PROTOCOL.md §7): the configurations to run, the node agents that
/// heartbeat, and which node runs which configuration.
/// <list type="bullet">
/// <item>Heartbeats register nodes; a node not heard from for <see cref="NodeExpiry"/> is dropped and its
/// configurations become dangling.</item>
/// <item>During the warm-up after becoming leader every heartbeat is answered up to date (node agents keep
/// what they run) and nothing is placed, so the registry fills before placement starts.</item>
/// <item><see cref="Tick"/> expires nodes and places dangling configurations on the least-busy node (fewest
/// configurations, then name).</item>
/// <item>A node's <c>last_change</c> moves on every change of its set, strictly increasing, so a node agent that
/// fetched before a change never believes itself up to date after it.</item>
/// </list>
/// Endpoints checks (configurations with a node name) are not dispatched: each node reads its own.
/// One lock guards the state: its work per call is a dictionary look-up, or a pass over the nodes in Tick.
/// </summary>
public sealed class ClusterCheckDispatcher(TimeProvider time)
{
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan NodeExpiry = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, CheckConfig> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _placement = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CheckConfig>> _endpoints = new(StringComparer.Ordinal);
    private DateTimeOffset _leaderSince = time.GetUtcNow();
    private long _lastChange;

    /// <summary>Starts a term: the warm-up begins, and what followers reported is forgotten.</summary>
    public void BecomeLeader()
    {
        lock (_lock)
        {
            _leaderSince = time.GetUtcNow();
            _nodes.Clear();
            _placement.Clear();
        }
    }

    public bool InWarmUp => time.GetUtcNow() - _leaderSince < WarmUp;

    /// <summary>Replaces the set of configurations (from every source). Unchanged ones keep their node; removed ones leave theirs.</summary>
    public void SetConfigs(IEnumerable<CheckConfig> configs)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, CheckConfig>(StringComparer.Ordinal);
            var endpoints = new Dictionary<string, List<CheckConfig>>(StringComparer.Ordinal);
            foreach (var config in configs)
            {
                if (config.NodeName.Length > 0)
                {
                    (endpoints.TryGetValue(config.NodeName, out var list) ? list : endpoints[config.NodeName] = []).Add(config);
                }
                else
                {
                    next[CheckConfigId.Of(config)] = config;
                }
            }
            foreach (var id in _configs.Keys.Where(id => !next.ContainsKey(id)).ToList())
            {
                if (_placement.Remove(id, out var node) && _nodes.TryGetValue(node, out var state))
                {
                    state.Configs.Remove(id);
                    state.LastChange = NextChange();
                }
            }
            _configs.Clear();
            foreach (var (id, config) in next)
            {
                _configs[id] = config;
            }
            _endpoints.Clear();
            foreach (var (node, list) in endpoints)
            {
                _endpoints[node] = list;
            }
        }
    }

    /// <summary>A node agent's heartbeat: true when its <paramref name="lastChange"/> is the current one (or during warm-up).</summary>
    public bool Heartbeat(string node, long lastChange)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var state))
            {
                _nodes[node] = state = new NodeState(NextChange());
            }
            state.LastSeen = time.GetUtcNow();
            return InWarmUp || state.LastChange == lastChange;
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
            return (state.LastChange, [.. state.Configs.Order(StringComparer.Ordinal).Select(id => _configs[id])]);
        }
    }

    /// <summary>The endpoints checks for the pods on <paramref name="node"/>.</summary>
    public IReadOnlyList<CheckConfig> EndpointsConfigsOf(string node)
    {
        lock (_lock)
        {
            return _endpoints.TryGetValue(node, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Configurations on no node.</summary>
    public IReadOnlyList<CheckConfig> Dangling()
    {
        lock (_lock)
        {
            return [.. _configs.Where(c => !_placement.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value)];
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

    /// <summary>Expires silent nodes and, after the warm-up, places dangling configurations. Returns how many were placed.</summary>
    public int Tick()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var (name, state) in _nodes.Where(n => now - n.Value.LastSeen > NodeExpiry).ToList())
            {
                _nodes.Remove(name);
                foreach (var id in state.Configs)
                {
                    _placement.Remove(id);
                }
            }
            if (InWarmUp || _nodes.Count == 0)
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
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in dangling)
            {
                var target = queue.Dequeue();
                var state = _nodes[target];
                _placement[id] = target;
                state.Configs.Add(id);
                touched.Add(target);
                queue.Enqueue(target, (state.Configs.Count, target));
            }
            foreach (var node in touched)
            {
                _nodes[node].LastChange = NextChange();
            }
            return dangling.Count;
        }
    }

    /// <summary>A new <c>last_change</c>: the clock in milliseconds, strictly above every earlier one.</summary>
    private long NextChange() => _lastChange = Math.Max(_lastChange + 1, time.GetUtcNow().ToUnixTimeMilliseconds());

    private sealed class NodeState(long lastChange)
    {
        public long LastChange { get; set; } = lastChange;

        public DateTimeOffset LastSeen { get; set; }

        public HashSet<string> Configs { get; } = new(StringComparer.Ordinal);
    }
}
