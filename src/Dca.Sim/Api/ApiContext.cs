using Dca.Sim.Faults;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>What the API handlers share: the store, the switches, the records, the clock.</summary>
internal sealed class ApiContext
{
    public required ObjectStore Store { get; init; }

    public required FaultInjector Faults { get; init; }

    public required AuditLog Audit { get; init; }

    public required TokenAuthenticator Tokens { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>
    /// Requests without an Authorization header are served as "anonymous" (plain-HTTP mode, like
    /// the API server's old insecure port: client-go sends no credentials over plain HTTP).
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>How often watches that asked for bookmarks get one.</summary>
    public required TimeSpan BookmarkInterval { get; init; }

    /// <summary>Answers <c>/api/v1/nodes/{name}/proxy/...</c> with the node's kubelet, when kubelets run.</summary>
    public Func<Microsoft.AspNetCore.Http.HttpContext, string, string, Task>? NodeProxy { get; set; }

    /// <summary>Proxies aggregated APIs (APIServices), once the simulator has its front-proxy certificate.</summary>
    public Aggregator? Aggregator { get; set; }

    /// <summary>Extra state for <c>/sim/state</c> (the scenario's figures).</summary>
    public Func<IReadOnlyDictionary<string, long>>? ScenarioState { get; set; }

    /// <summary>The churn and event rates, for <c>/sim/activity</c>.</summary>
    public required Dca.Sim.Scenarios.ActivityRates Activity { get; init; }

    /// <summary>Cancelled when the server stops, to end open watches promptly.</summary>
    public CancellationToken Stopping { get; set; }
}
