using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dca.Chaos;

/// <summary>One fault switch of the simulator: how to turn it on (for the fault window) and off.</summary>
internal sealed record Fault(string Name, string What, Func<Fleet, int, Task> On, Func<Fleet, Task> Off)
{
    public static IReadOnlyList<Fault> All { get; } =
    [
        Switch("5xx burst", "every API request answered 500/503", """{"errorRate":1}"""),
        Switch("429 storm", "every API request answered 429, Retry-After 2 s", """{"throttleRate":1,"retryAfterSeconds":2}"""),
        Switch("dropped watches", "every watch cut after 1 s", """{"watchDropSeconds":1}"""),
        Switch("stalled watches", "watches open but silent", """{"watchStall":true}"""),
        Switch("latency", "2 s added to every API request", """{"latencyMs":2000}"""),
        new("forced 410", "history compacted and watches closed: resuming is 410 Expired", (f, _) => f.RestartApiServerAsync(0), _ => Task.CompletedTask),
        new("API server restart", "watch state lost and every request refused 503 for the window", (f, seconds) => f.RestartApiServerAsync(seconds), _ => Task.CompletedTask),
    ];

    private static Fault Switch(string name, string what, string json) => new(name, what, (f, _) => f.SetFaultsAsync(json), f => f.SetFaultsAsync("{}"));
}

/// <summary>What one component showed in one cell of the matrix.</summary>
internal sealed record Cell(string Fault, string Component, bool Recovered, double? Seconds, string Lost, string Duplicates, string Healthy)
{
    public bool Passed => Recovered && Lost is "0" or "—" && Duplicates is "0" or "—" && Healthy == "yes";
}

/// <summary>
/// Runs each fault for a window while the cluster churns and events are created, clears it, then measures per
/// component the time to recover, what was lost and what was duplicated, and whether every process stayed healthy.
/// </summary>
internal sealed class Matrix(Fleet fleet, TimeSpan window, TimeSpan recoveryLimit, TextWriter log)
{
    public const string Snapshot = "informers and snapshot";
    public const string Election = "leader election";
    public const string Events = "event collection";
    public const string Checks = "cluster-check dispatch";
    public const string Tagging = "node-agent tagging";
    public const string ExternalMetrics = "external metrics";

    private readonly Probes _probes = new(fleet);
    private readonly Probes.EventProducer _events = new(fleet);
    private int _knownDuplicates;

    public async Task<List<Cell>> RunAsync(IEnumerable<Fault> faults)
    {
        using var stop = new CancellationTokenSource();
        var producing = _events.RunAsync(stop.Token);
        var cells = new List<Cell>();
        try
        {
            log.WriteLine("waiting for every component to work before the first fault");
            var baseline = await RecoverAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(120));
            if (baseline.Values.Any(v => v is null))
            {
                throw new InvalidOperationException("the fleet never worked: " + string.Join(", ", baseline.Where(b => b.Value is null).Select(b => b.Key)));
            }
            foreach (var fault in faults)
            {
                cells.AddRange(await RunCellAsync(fault));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producing;
        }
        return cells;
    }

    private async Task<List<Cell>> RunCellAsync(Fault fault)
    {
        log.WriteLine($"fault: {fault.Name} ({fault.What}) for {window.TotalSeconds:0} s");
        await fleet.SetChurnAsync(1);
        using var sampling = new CancellationTokenSource();
        var leaderSamples = SampleLeadersAsync(sampling.Token);
        var checkRunsBefore = _probes.CheckRuns().Count;
        await fault.On(fleet, (int)window.TotalSeconds);
        await Task.Delay(window);
        await fault.Off(fleet);
        // Churn stops when the fault clears, so that "recovered" has one answer: the cluster as it now is.
        await SetChurnUntilDoneAsync(0);
        var cleared = DateTimeOffset.UtcNow;
        var recovered = await RecoverAsync(cleared, recoveryLimit);
        // One heartbeat period (10 s) more, to see whether any check now runs on two node agents.
        var settled = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await Task.Delay(TimeSpan.FromSeconds(12));
        await sampling.CancelAsync();
        var (maxLeaders, samples) = await leaderSamples;
        var unhealthy = await _probes.UnhealthyAsync();
        var healthy = unhealthy is null ? "yes" : "no: " + unhealthy;

        var truth = await _probes.TruthAsync();
        var snapshotLost = Math.Max(0, await _probes.SnapshotMismatchesAsync(truth));
        var tagsLost = Math.Max(0, _probes.TagMismatches(truth, 0));
        var delivered = _probes.DeliveredEvents();
        var deliveredSet = delivered.ToHashSet(StringComparer.Ordinal);
        var eventsLost = _events.Created.Count(e => e.Value <= cleared && !deliveredSet.Contains(e.Key));
        var duplicates = delivered.Count - deliveredSet.Count;
        var newDuplicates = duplicates - _knownDuplicates;
        _knownDuplicates = duplicates;
        var runs = _probes.CheckRuns();
        var lastWindow = runs.Where(r => r.Timestamp > settled + 1).ToList();
        var checksLost = Enumerable.Range(0, Fleet.CheckCount).Count(i => !lastWindow.Any(r => r.Check == $"chaos-{i}"));
        var checksDoubled = lastWindow.GroupBy(r => r.Check).Count(g => g.Select(r => r.Host).Distinct().Count() > 1);
        log.WriteLine($"  {runs.Count - checkRunsBefore} check runs, {samples} leadership samples (most leaders at once: {maxLeaders}), {healthy}");

        return
        [
            Row(fault, Snapshot, recovered, snapshotLost + " pods", "—", healthy),
            Row(fault, Election, recovered, "—", maxLeaders > 1 ? $"{maxLeaders} leaders at once" : "0", healthy),
            Row(fault, Events, recovered, eventsLost.ToString(CultureInfo.InvariantCulture), newDuplicates.ToString(CultureInfo.InvariantCulture), healthy),
            Row(fault, Checks, recovered, checksLost.ToString(CultureInfo.InvariantCulture), checksDoubled.ToString(CultureInfo.InvariantCulture), healthy),
            Row(fault, Tagging, recovered, tagsLost + " pods", "—", healthy),
            Row(fault, ExternalMetrics, recovered, "—", "—", healthy),
        ];
    }

    private static Cell Row(Fault fault, string component, Dictionary<string, double?> recovered, string lost, string duplicates, string healthy)
    {
        var seconds = recovered[component];
        return new Cell(fault.Name, component, seconds is not null, seconds, lost is "0 pods" ? "0" : lost, duplicates, healthy);
    }

    private async Task SetChurnUntilDoneAsync(double rate)
    {
        // The admin endpoint is not subject to the faults, but the API server may still be "restarting".
        while (true)
        {
            try
            {
                await fleet.SetChurnAsync(rate);
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Seconds from <paramref name="since"/> until each component worked again; null when it did not within <paramref name="limit"/>.</summary>
    private async Task<Dictionary<string, double?>> RecoverAsync(DateTimeOffset since, TimeSpan limit)
    {
        var result = new Dictionary<string, double?>(StringComparer.Ordinal)
        {
            [Snapshot] = null, [Election] = null, [Events] = null, [Checks] = null, [Tagging] = null, [ExternalMetrics] = null,
        };
        var intakeMark = fleet.Intake.Requests.Count;
        var sinceUnix = since.ToUnixTimeSeconds();
        var clock = Stopwatch.StartNew();
        var snapshotDone = false;
        while (result.Values.Any(v => v is null) && clock.Elapsed < limit)
        {
            double Now() => (DateTimeOffset.UtcNow - since).TotalSeconds;
            Dictionary<string, Dictionary<string, SortedSet<string>>>? truth = null;
            try
            {
                truth = await _probes.TruthAsync();
            }
            catch (HttpRequestException)
            {
            }
            if (truth is not null && result[Snapshot] is null && await _probes.SnapshotMismatchesAsync(truth) == 0)
            {
                result[Snapshot] = Now();
                snapshotDone = true;
                intakeMark = fleet.Intake.Requests.Count;
            }
            if (result[Election] is null && await _probes.LeadersAsync() == 1)
            {
                result[Election] = Now();
            }
            if (result[Events] is null)
            {
                var delivered = _probes.DeliveredEvents().ToHashSet(StringComparer.Ordinal);
                if (_events.Created.Where(e => e.Value <= since).All(e => delivered.Contains(e.Key)))
                {
                    result[Events] = Now();
                }
            }
            if (result[Checks] is null)
            {
                var runs = _probes.CheckRuns().Where(r => r.Timestamp > sinceUnix).ToList();
                if (Enumerable.Range(0, Fleet.CheckCount).All(i => runs.Any(r => r.Check == $"chaos-{i}")))
                {
                    result[Checks] = Now();
                }
            }
            // The node agents' tags are judged on what they shipped after the cluster agent had converged.
            if (truth is not null && snapshotDone && result[Tagging] is null && _probes.TagMismatches(truth, intakeMark) == 0)
            {
                result[Tagging] = Now();
            }
            if (result[ExternalMetrics] is null && await _probes.ExternalMetricAnswersAsync())
            {
                result[ExternalMetrics] = Now();
            }
            await Task.Delay(250);
        }
        return result;
    }

    /// <summary>Samples how many replicas lead, every 200 ms: (the most at once, samples taken).</summary>
    private async Task<(int Max, int Samples)> SampleLeadersAsync(CancellationToken cancellationToken)
    {
        var max = 0;
        var samples = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            max = Math.Max(max, await _probes.LeadersAsync());
            samples++;
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return (max, samples);
    }

    /// <summary>The report: one row per fault and component, then a summary line.</summary>
    public static string Report(IReadOnlyList<Cell> cells, TimeSpan window, TimeSpan limit)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Fault window {window.TotalSeconds:0} s with churn (1 pod replacement/s) and an event created every 200 ms; recovery measured from the moment the fault cleared, given up after {limit.TotalSeconds:0} s.\n\n");
        sb.Append("| fault | component | recovered | time to recover | data lost | duplicates | process healthy |\n|---|---|---|---|---|---|---|\n");
        foreach (var c in cells)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {c.Fault} | {c.Component} | {(c.Recovered ? "yes" : "**no**")} | {(c.Seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "—")} | {c.Lost} | {c.Duplicates} | {c.Healthy} |\n");
        }
        var failed = cells.Count(c => !c.Passed);
        sb.Append(CultureInfo.InvariantCulture, $"\n{cells.Count} cells: {cells.Count - failed} recovered with nothing lost or duplicated and every process healthy; {failed} did not.\n");
        return sb.ToString();
    }
}
