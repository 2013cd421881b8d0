using Dca.Sim.Faults;
using Dca.Sim.Scenarios;

namespace Dca.Sim;

/// <summary>How to start a <see cref="Simulator"/>. Every property has a default that gives a small cluster on free ports.</summary>
public sealed record SimulatorOptions
{
    /// <summary>The cluster to generate (default: the small profile).</summary>
    public ScenarioOptions Scenario { get; init; } = ScenarioOptions.Small;

    /// <summary>The API server's port on 127.0.0.1; 0 (default) picks a free one.</summary>
    public int ApiPort { get; init; }

    /// <summary>The kubelets' shared port (on every 127.1.x.y address); 0 (default) picks a free one.</summary>
    public int KubeletPort { get; init; }

    /// <summary>
    /// Serve the API over plain HTTP instead of HTTPS (the kubelets stay HTTPS). Requests without
    /// credentials are then served as "anonymous" (client-go sends no token over plain HTTP); a wrong
    /// token is still 401.
    /// </summary>
    public bool PlainHttp { get; init; }

    /// <summary>Run the kubelets (default true).</summary>
    public bool Kubelets { get; init; } = true;

    /// <summary>Where to write the kubeconfig; null writes it to a new temporary directory.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The kubeconfig's bearer token (identity "admin"); null generates a random one.</summary>
    public string? Token { get; init; }

    /// <summary>More bearer tokens by identity name, so tests can tell clients apart in the audit record.</summary>
    public IReadOnlyDictionary<string, string> ExtraTokens { get; init; } = new Dictionary<string, string>();

    /// <summary>Fault switches in force from the start.</summary>
    public FaultSettings Faults { get; init; } = FaultSettings.None;

    /// <summary>Changes the watch history keeps before older resourceVersions answer 410 (default 50,000).</summary>
    public int HistoryCapacity { get; init; } = 50_000;

    /// <summary>How often watches that allow bookmarks get one (default 60 s, like the real watch cache's cadence).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Run churn and events in the background at the scenario's rates (default true; tests drive them with <see cref="Simulator.Churn"/>).</summary>
    public bool RunActivity { get; init; } = true;

    /// <summary>The clock (creationTimestamps, ages, stats, timeouts).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Log level for the simulator's own console logs (stderr); default Warning.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Log as JSON lines.</summary>
    public bool LogJson { get; init; }
}
