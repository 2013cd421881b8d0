using Dca.Hosting;
using Dca.Sim.Faults;
using Dca.Sim.Scenarios;

namespace Dca.Sim.Cli;

/// <summary>The command-line options of <c>dca-sim</c> and how they become <see cref="SimulatorOptions"/>.</summary>
internal static class SimOptions
{
    public static readonly OptionDefinition Profile = new("DCA_SIM_PROFILE", "profile", "small", "Cluster profile: small (5 nodes x 20 pods), 5k (5,000 nodes, 150,000 pods) or 50k (50,000 nodes, lazy pods)");
    public static readonly OptionDefinition KubeconfigOut = new("DCA_SIM_KUBECONFIG_OUT", "kubeconfig-out", null, "Where to write the kubeconfig (default: a new temporary directory)");
    public static readonly OptionDefinition ApiPort = new("DCA_SIM_API_PORT", "api-port", "0", "API server port on 127.0.0.1 (0 picks a free port)");
    public static readonly OptionDefinition KubeletPort = new("DCA_SIM_KUBELET_PORT", "kubelet-port", "0", "Kubelet port shared by every node address 127.1.x.y (0 picks a free port)");
    public static readonly OptionDefinition Http = new("DCA_SIM_HTTP", "http", "false", "Serve the API over plain HTTP instead of HTTPS");
    public static readonly OptionDefinition Token = new("DCA_SIM_TOKEN", "token", null,
        "Bearer tokens, comma-separated: a bare value is the kubeconfig's (identity admin; default random), name=value adds an identity", IsSecret: true);
    public static readonly OptionDefinition Nodes = new("DCA_SIM_NODES", "nodes", null, "Number of nodes (default: from the profile)");
    public static readonly OptionDefinition PodsPerNode = new("DCA_SIM_PODS_PER_NODE", "pods-per-node", null, "Pods per node including kube-proxy (default: from the profile)");
    public static readonly OptionDefinition Services = new("DCA_SIM_SERVICES", "services", null, "Application services (default: from the profile)");
    public static readonly OptionDefinition Namespaces = new("DCA_SIM_NAMESPACES", "namespaces", null, "Application namespaces (default: from the profile)");
    public static readonly OptionDefinition LazyPods = new("DCA_SIM_LAZY_PODS", "lazy-pods", null, "Generate pods only in the kubelets, not as API objects (default: true for 50k)");
    public static readonly OptionDefinition Churn = new("DCA_SIM_CHURN", "churn", "0", "Pod replacements per second (with their EndpointSlice and Endpoints updates)");
    public static readonly OptionDefinition Events = new("DCA_SIM_EVENTS", "events", "0", "core/v1 Events per second");
    public static readonly OptionDefinition Seed = new("DCA_SIM_SEED", "seed", "1", "Seed for every random choice (same seed, same cluster)");
    public static readonly OptionDefinition History = new("DCA_SIM_HISTORY", "history", "50000", "Changes kept for watches and continued lists before 410 Expired");
    public static readonly OptionDefinition BookmarkSeconds = new("DCA_SIM_BOOKMARK_SECONDS", "bookmark-seconds", "60", "Seconds between watch bookmarks (for watches that allow them)");
    public static readonly OptionDefinition ErrorRate = new("DCA_SIM_ERROR_RATE", "error-rate", "0", "Fraction of resource requests answered 500/503");
    public static readonly OptionDefinition ThrottleRate = new("DCA_SIM_THROTTLE_RATE", "throttle-rate", "0", "Fraction of resource requests answered 429");
    public static readonly OptionDefinition RetryAfter = new("DCA_SIM_RETRY_AFTER", "retry-after", "1", "Retry-After seconds of 429 answers");
    public static readonly OptionDefinition WatchDrop = new("DCA_SIM_WATCH_DROP_SECONDS", "watch-drop-seconds", "0", "Drop every watch connection after this many seconds (0: never)");
    public static readonly OptionDefinition WatchStall = new("DCA_SIM_WATCH_STALL", "watch-stall", "false", "Stall watches: connection open, no bytes");
    public static readonly OptionDefinition Latency = new("DCA_SIM_LATENCY_MS", "latency-ms", "0", "Milliseconds added to every resource request");
    public static readonly OptionDefinition LogLevel = AgentLogging.LogLevelOption;

    public static IReadOnlyList<OptionDefinition> All { get; } =
    [
        Profile, KubeconfigOut, ApiPort, KubeletPort, Http, Token, Nodes, PodsPerNode, Services, Namespaces, LazyPods,
        Churn, Events, Seed, History, BookmarkSeconds, ErrorRate, ThrottleRate, RetryAfter, WatchDrop, WatchStall, Latency,
        LogLevel, AgentLogging.LogFormatJsonOption,
    ];

    private static readonly Dictionary<string, ScenarioOptions> s_profiles = new(StringComparer.Ordinal)
    {
        ["small"] = ScenarioOptions.Small,
        ["5k"] = ScenarioOptions.FiveK,
        ["50k"] = ScenarioOptions.FiftyK,
    };

    /// <exception cref="OptionException">A bad value, naming the option.</exception>
    public static SimulatorOptions Read(OptionSource o)
    {
        var profile = o.Choice(Profile, s_profiles);
        var scenario = profile with
        {
            Nodes = o.Raw(Nodes) is null ? profile.Nodes : o.Int(Nodes, 1, 65_000),
            PodsPerNode = o.Raw(PodsPerNode) is null ? profile.PodsPerNode : o.Int(PodsPerNode, 1, 240),
            Services = o.Raw(Services) is null ? profile.Services : o.Int(Services, 0, 100_000),
            AppNamespaces = o.Raw(Namespaces) is null ? profile.AppNamespaces : o.Int(Namespaces, 0, 10_000),
            LazyPods = o.Raw(LazyPods) is null ? profile.LazyPods : o.Bool(LazyPods),
            ChurnPerSecond = o.Double(Churn, 0, 100_000),
            EventsPerSecond = o.Double(Events, 0, 100_000),
            Seed = o.Int(Seed, int.MinValue, int.MaxValue),
        };
        var (token, extra) = Tokens(o);
        var logging = AgentLogging.Read(o);
        return new SimulatorOptions
        {
            Scenario = scenario,
            ApiPort = o.Port(ApiPort),
            KubeletPort = o.Port(KubeletPort),
            PlainHttp = o.Bool(Http),
            KubeconfigPath = o.OptionalString(KubeconfigOut),
            Token = token,
            ExtraTokens = extra,
            HistoryCapacity = o.Int(History, 1, 10_000_000),
            BookmarkInterval = o.Seconds(BookmarkSeconds, 1, 3600),
            Faults = new FaultSettings
            {
                ErrorRate = o.Double(ErrorRate, 0, 1),
                ThrottleRate = o.Double(ThrottleRate, 0, 1),
                RetryAfterSeconds = o.Int(RetryAfter, 0, 3600),
                WatchDropSeconds = o.Int(WatchDrop, 0, 86_400),
                WatchStall = o.Bool(WatchStall),
                LatencyMilliseconds = o.Int(Latency, 0, 600_000),
            },
            LogLevel = logging.Level,
            LogJson = logging.Json,
        };
    }

    private static (string? Token, Dictionary<string, string> Extra) Tokens(OptionSource o)
    {
        string? token = null;
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (o.OptionalString(Token) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                token = part;
            }
            else if (eq == 0 || eq == part.Length - 1)
            {
                throw OptionException.Invalid(Token, null, "expected a token or name=token");
            }
            else
            {
                extra[part[..eq]] = part[(eq + 1)..];
            }
        }
        return (token, extra);
    }
}
