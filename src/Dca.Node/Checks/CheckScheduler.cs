using System.Text;
using System.Text.RegularExpressions;
using Dca.Node.Collection;
using Dca.Protocol.ClusterChecks;
using Dca.Protocol.Intake;

namespace Dca.Node.Checks;

/// <summary>
/// Runs a set of dispatched configurations, each instance on its own loop every <c>min_collection_interval</c>
/// seconds (default 15, Datadog's), and keeps each configuration's average run time (reported to the leader
/// for rebalancing). <see cref="Reconcile"/> starts what is new, stops what is gone, keeps what is unchanged
/// (configurations are identified by <see cref="CheckDigest"/>). A check this agent does not implement, or an
/// instance it cannot read, is reported every interval as service check <c>datadog.agent.check_status</c>
/// CRITICAL with the reason, and logged once: never silence.
/// </summary>
internal sealed partial class CheckScheduler(string kind, string hostName, IIntakeSink sink, SeriesShipper shipper, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    public const string StatusCheck = "datadog.agent.check_status";

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, Scheduled> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _runs;
    private long _failures;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    public long Runs => Interlocked.Read(ref _runs);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The check names running, by configuration digest (for status and tests).</summary>
    public IReadOnlyDictionary<string, string> Running()
    {
        lock (_lock)
        {
            return _running.ToDictionary(r => r.Key, r => r.Value.CheckName, StringComparer.Ordinal);
        }
    }

    /// <summary>Average run time in milliseconds of each configuration that ran at least once.</summary>
    public Dictionary<string, double> Costs()
    {
        lock (_lock)
        {
            return _running.Where(r => r.Value.RunCount > 0).ToDictionary(r => r.Key, r => Math.Round(r.Value.AverageMs, 3), StringComparer.Ordinal);
        }
    }

    /// <summary>Makes the running set equal to <paramref name="configs"/>. Returns (started, stopped).</summary>
    public (int Started, int Stopped) Reconcile(IEnumerable<CheckConfigPayload> configs)
    {
        var wanted = new Dictionary<string, CheckConfigPayload>(StringComparer.Ordinal);
        foreach (var config in configs)
        {
            wanted.TryAdd(config.Digest(), config);
        }
        List<Scheduled> stopped;
        var started = 0;
        lock (_lock)
        {
            stopped = [.. _running.Where(r => !wanted.ContainsKey(r.Key)).Select(r => r.Value)];
            foreach (var s in stopped)
            {
                _running.Remove(s.Id);
            }
            foreach (var (id, config) in wanted)
            {
                if (!_running.ContainsKey(id))
                {
                    _running[id] = Start(id, config);
                    started++;
                }
            }
        }
        foreach (var s in stopped)
        {
            s.Stop();
            Log.Stopped(logger, kind, s.CheckName, s.Id);
        }
        return (started, stopped.Count);
    }

    public void StopAll() => Reconcile([]);

    private Scheduled Start(string id, CheckConfigPayload config)
    {
        var scheduled = new Scheduled(id, config.CheckName, config.Source);
        var instances = (config.Instances ?? []).Select(i => i is null ? "" : Encoding.UTF8.GetString(i)).ToList();
        Log.Started(logger, kind, config.CheckName, id, instances.Count, config.Source);
        foreach (var (yaml, index) in instances.Select((y, i) => (y, i)))
        {
            _ = Task.Run(() => RunInstanceAsync(scheduled, ResolveEnvironment(yaml), index), CancellationToken.None);
        }
        return scheduled;
    }

    private async Task RunInstanceAsync(Scheduled scheduled, string yaml, int index)
    {
        var token = scheduled.Token;
        CheckInstance? instance = null;
        string? problem = null;
        var interval = DefaultInterval;
        try
        {
            instance = CheckInstance.Parse(yaml);
            // From 1 s to a day; NaN and infinities are not intervals.
            var seconds = instance.Number("min_collection_interval", DefaultInterval.TotalSeconds);
            interval = TimeSpan.FromSeconds(double.IsFinite(seconds) ? Math.Clamp(seconds, 1, 86_400) : DefaultInterval.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problem = $"instance {index} of {scheduled.CheckName} cannot be read: {e.Message}";
        }
        var run = instance is null ? null : Implementation(scheduled.CheckName);
        if (problem is null && run is null)
        {
            problem = $"check {scheduled.CheckName} is not supported by dca-node (it runs {HttpCheck.Name} and {TcpCheck.Name}); run it with a Datadog agent";
        }
        if (problem is not null)
        {
            Log.Unsupported(logger, kind, scheduled.Source, problem);
        }
        var tags = instance?.Tags ?? [];
        // Datadog's dispatcher sets empty_default_hostname on cluster checks: their results belong to no host.
        var host = instance is not null && SafeBool(instance, "empty_default_hostname") ? "" : hostName;
        try
        {
            using var timer = new PeriodicTimer(interval, time);
            do
            {
                if (problem is not null)
                {
                    Interlocked.Increment(ref _failures);
                    await SendAsync([new ServiceCheck
                    {
                        Check = StatusCheck, HostName = host, Timestamp = time.GetUtcNow().ToUnixTimeSeconds(), Status = ServiceCheck.Critical,
                        Message = problem, Tags = [$"check:{scheduled.CheckName}", .. tags],
                    }], token);
                    continue;
                }
                var started = time.GetTimestamp();
                CheckResult result;
                try
                {
                    result = await run!(instance!, host, time, token);
                }
                catch (FormatException e)
                {
                    problem = $"instance {index} of {scheduled.CheckName} is invalid: {e.Message}";
                    Log.Unsupported(logger, kind, scheduled.Source, problem);
                    continue;
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // A check is never fatal to the agent, and never silent: reported CRITICAL every interval from now on.
                    problem = $"check {scheduled.CheckName} failed unexpectedly: {e.Message}";
                    Log.Crashed(logger, kind, scheduled.CheckName, e);
                    continue;
                }
                scheduled.Record(time.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref _runs);
                if (result.ServiceChecks.Any(c => c.Status != ServiceCheck.Ok))
                {
                    Interlocked.Increment(ref _failures);
                }
                shipper.Enqueue(result.Samples);
                await SendAsync(result.ServiceChecks, token);
            }
            while (await timer.WaitForNextTickAsync(token));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static bool SafeBool(CheckInstance instance, string name)
    {
        try
        {
            return instance.Bool(name, false);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task SendAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken token)
    {
        try
        {
            await sink.SendServiceChecksAsync(checks, token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            Log.SendFailed(logger, checks.Count, e.Message);
        }
    }

    private static Func<CheckInstance, string, TimeProvider, CancellationToken, Task<CheckResult>>? Implementation(string name) => name switch
    {
        HttpCheck.Name => HttpCheck.RunAsync,
        TcpCheck.Name => TcpCheck.RunAsync,
        _ => null,
    };

    /// <summary><c>%%env_NAME%%</c>, which the cluster agent leaves for the node agent, becomes the variable's value (empty when unset).</summary>
    public static string ResolveEnvironment(string yaml) => yaml.Contains("%%env_", StringComparison.Ordinal)
        ? EnvVariable().Replace(yaml, m => System.Text.Json.JsonEncodedText.Encode(Environment.GetEnvironmentVariable(m.Groups[1].Value) ?? "").ToString())
        : yaml;

    [GeneratedRegex("%%env_([A-Za-z_][A-Za-z0-9_]*)%%", RegexOptions.CultureInvariant)]
    private static partial Regex EnvVariable();

    public ValueTask DisposeAsync()
    {
        StopAll();
        return ValueTask.CompletedTask;
    }

    /// <summary>One running configuration: its stop switch and its run-time average.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Cancelled, never disposed: its instance loops may still observe the token, and a source without a timer holds nothing to release.")]
    private sealed class Scheduled(string id, string checkName, string source)
    {
        private readonly CancellationTokenSource _stop = new();
        private double _totalMs;
        private long _count;

        public string Id { get; } = id;

        public string CheckName { get; } = checkName;

        public string Source { get; } = source;

        public CancellationToken Token => _stop.Token;

        public long RunCount => Interlocked.Read(ref _count);

        public double AverageMs
        {
            get
            {
                lock (_stop)
                {
                    return _count == 0 ? 0 : _totalMs / _count;
                }
            }
        }

        public void Record(double ms)
        {
            lock (_stop)
            {
                _totalMs += ms;
                _count++;
            }
        }

        public void Stop() => _stop.Cancel();
    }

    private static partial class Log
    {
        [LoggerMessage(950, LogLevel.Information, "{Kind}: running {Check} ({Id}, {Instances} instances) from {Source}")]
        public static partial void Started(ILogger logger, string kind, string check, string id, int instances, string source);

        [LoggerMessage(951, LogLevel.Information, "{Kind}: stopped {Check} ({Id})")]
        public static partial void Stopped(ILogger logger, string kind, string check, string id);

        [LoggerMessage(952, LogLevel.Warning, "{Kind}: {Source}: {Problem}; reported as " + StatusCheck + " CRITICAL")]
        public static partial void Unsupported(ILogger logger, string kind, string source, string problem);

        [LoggerMessage(953, LogLevel.Error, "{Kind}: check {Check} failed unexpectedly; reported as " + StatusCheck + " CRITICAL from now on")]
        public static partial void Crashed(ILogger logger, string kind, string check, Exception exception);

        [LoggerMessage(954, LogLevel.Warning, "Cluster checks: could not send {Count} service checks: {Error}")]
        public static partial void SendFailed(ILogger logger, int count, string error);
    }
}
