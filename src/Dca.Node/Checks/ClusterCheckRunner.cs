using System.Globalization;
using System.Text;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.ClusterChecks;

namespace Dca.Node.Checks;

/// <summary>
/// The node agent's side of cluster checks (PROTOCOL.md §7), as Datadog's <c>clusterchecks</c> and
/// <c>endpointschecks</c> config providers behave:
/// <list type="bullet">
/// <item>every <see cref="Period"/> a heartbeat (<c>POST /api/v1/clusterchecks/status/{host}</c>) with the
/// <c>last_change</c> of what runs here and, as our extension, each configuration's average run time;</item>
/// <item>when not up to date, the configurations are fetched and the running set reconciled;</item>
/// <item>the endpoints checks of this node's pods are fetched every period too;</item>
/// <item>when the cluster agent cannot be reached, checks keep running for <see cref="Grace"/>, then stop
/// (their configurations cannot be known to be current any more) until the cluster agent answers again.</item>
/// </list>
/// </summary>
internal sealed partial class ClusterCheckRunner(
    ClusterAgentClient client, string identifier, string nodeName, bool clusterChecks, bool endpointsChecks,
    CheckScheduler cluster, CheckScheduler endpoints, TimeProvider time, ILogger<ClusterCheckRunner> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    private long _lastChange;
    private long _clusterContact;
    private long _endpointsContact;
    private bool _clusterFailing;
    private bool _endpointsFailing;
    private long _heartbeats;
    private long _fetches;
    private long _errors;

    public CheckScheduler Cluster => cluster;

    public CheckScheduler Endpoints => endpoints;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _clusterContact = _endpointsContact = time.GetTimestamp();
        Log.Starting(logger, identifier, clusterChecks, endpointsChecks);
        // Two loops: a slow endpoints fetch must never delay a heartbeat (the leader expires silent nodes at 30 s).
        try
        {
            await Task.WhenAll(
                clusterChecks ? LoopAsync(PollClusterChecksAsync, stoppingToken) : Task.CompletedTask,
                endpointsChecks ? LoopAsync(PollEndpointsChecksAsync, stoppingToken) : Task.CompletedTask);
        }
        finally
        {
            cluster.StopAll();
            endpoints.StopAll();
        }
    }

    private async Task LoopAsync(Func<CancellationToken, Task> poll, CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(Period, time);
            do
            {
                await poll(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One heartbeat, and a fetch when the leader says this node is not up to date.</summary>
    public async Task PollClusterChecksAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = new NodeStatus { LastChange = _lastChange, CheckCostsMs = cluster.Costs() is { Count: > 0 } costs ? costs : null };
            var upToDate = await client.PostClusterCheckStatusAsync(identifier, status, cancellationToken);
            Interlocked.Increment(ref _heartbeats);
            if (!upToDate)
            {
                var response = await client.GetClusterCheckConfigsAsync(identifier, cancellationToken);
                Interlocked.Increment(ref _fetches);
                var (started, stopped) = cluster.Reconcile(response.Configs ?? []);
                _lastChange = response.LastChange;
                Log.Fetched(logger, "cluster checks", response.Configs?.Length ?? 0, started, stopped, response.LastChange);
            }
            Answered("cluster checks", ref _clusterFailing, ref _clusterContact);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything (an unreachable cluster agent, an answer we cannot use, a bug) is a failed poll, never the end of the loop.
            Failed(e, "cluster checks", ref _clusterFailing, _clusterContact, cluster);
            if (cluster.Count == 0)
            {
                _lastChange = 0;
            }
        }
    }

    /// <summary>One fetch of the endpoints checks for the pods on this node.</summary>
    public async Task PollEndpointsChecksAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetEndpointsCheckConfigsAsync(nodeName, cancellationToken);
            var (started, stopped) = endpoints.Reconcile(response.Configs ?? []);
            if (started + stopped > 0)
            {
                Log.Fetched(logger, "endpoints checks", response.Configs?.Length ?? 0, started, stopped, response.LastChange);
            }
            Answered("endpoints checks", ref _endpointsFailing, ref _endpointsContact);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failed(e, "endpoints checks", ref _endpointsFailing, _endpointsContact, endpoints);
        }
    }

    private void Answered(string kind, ref bool failing, ref long contact)
    {
        contact = time.GetTimestamp();
        if (failing)
        {
            failing = false;
            Log.Recovered(logger, kind);
        }
    }

    private void Failed(Exception e, string kind, ref bool failing, long lastContact, CheckScheduler scheduler)
    {
        Interlocked.Increment(ref _errors);
        if (!failing)
        {
            failing = true;
            Log.Failing(logger, kind, e.Message, Grace.TotalSeconds);
        }
        if (scheduler.Count > 0 && time.GetElapsedTime(lastContact) > Grace)
        {
            var count = scheduler.Count;
            scheduler.StopAll();
            Log.GaveUp(logger, kind, count, Grace.TotalSeconds);
        }
    }

    public void WriteSelfMetrics(StringBuilder sb)
    {
        void Metric(string name, string type, string help, double value, string labels = "")
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
              .Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Metric("dca_node_cluster_checks_running", "gauge", "Dispatched cluster checks running here.", cluster.Count);
        Metric("dca_node_endpoints_checks_running", "gauge", "Endpoints checks of this node's pods running here.", endpoints.Count);
        Metric("dca_node_checks_runs_total", "counter", "Check runs completed.", cluster.Runs + endpoints.Runs);
        Metric("dca_node_checks_failures_total", "counter", "Check runs not OK, and reports of unsupported or unreadable checks.", cluster.Failures + endpoints.Failures);
        Metric("dca_node_cluster_checks_heartbeats_total", "counter", "Cluster-check heartbeats the cluster agent answered.", Interlocked.Read(ref _heartbeats));
        Metric("dca_node_cluster_checks_fetches_total", "counter", "Configuration fetches after a heartbeat said not up to date.", Interlocked.Read(ref _fetches));
        Metric("dca_node_cluster_checks_errors_total", "counter", "Failed heartbeats or fetches.", Interlocked.Read(ref _errors));
    }

    private static partial class Log
    {
        [LoggerMessage(960, LogLevel.Information, "Cluster checks: polling the cluster agent as {Identifier} (cluster checks: {Cluster}, endpoints checks: {Endpoints})")]
        public static partial void Starting(ILogger logger, string identifier, bool cluster, bool endpoints);

        [LoggerMessage(961, LogLevel.Information, "{Kind}: {Configs} configurations (started {Started}, stopped {Stopped}), last_change {LastChange}")]
        public static partial void Fetched(ILogger logger, string kind, int configs, int started, int stopped, long lastChange);

        [LoggerMessage(962, LogLevel.Warning, "{Kind}: the cluster agent does not answer ({Error}); the checks keep running for {Grace} s")]
        public static partial void Failing(ILogger logger, string kind, string error, double grace);

        [LoggerMessage(963, LogLevel.Warning, "{Kind}: no answer for {Grace} s: stopped {Count} checks until the cluster agent answers")]
        public static partial void GaveUp(ILogger logger, string kind, int count, double grace);

        [LoggerMessage(964, LogLevel.Information, "{Kind}: the cluster agent answers again")]
        public static partial void Recovered(ILogger logger, string kind);
    }
}
