using Dca.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dca.Api;

/// <summary>
/// Kestrel's limits, set deliberately rather than inherited (docs/configuration.md, "Overload"), and the
/// admission control of the HTTPS ports (<see cref="ApiAdmission"/>): the node-agent API and, when
/// enabled, the external metrics API each get their own connection and in-flight budget.
/// </summary>
internal sealed partial class ServerLimits : IDisposable
{
    /// <summary>How often the open connections are compared with their peak (<see cref="ReturnMemoryAfterStorms"/>).</summary>
    public static readonly TimeSpan StormCheckPeriod = TimeSpan.FromSeconds(30);

    /// <summary>A peak of at least this many connections, now down to a quarter, is a storm that has passed.</summary>
    public const int StormConnections = 1_000;

    private readonly ITimer _memoryCheck;
    private readonly ILogger _logger;

    /// <summary>
    /// Headers must arrive within 10 s of the connection being ready for a request (Kestrel's default is
    /// 30 s): a client trickling its headers holds a connection (~75 KB) and is cut off sooner. A node
    /// agent sends its few hundred bytes at once; the TLS handshake is not counted.
    /// </summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest body any route takes: a node agent's series payload before decompression
    /// (the intake bounds it again once decompressed). Kestrel's default is 30 MB.
    /// </summary>
    public const long MaxRequestBodySize = Dca.ExternalMetrics.SeriesIntake.MaxBody;

    public ServerLimits(DcaOptions options, TimeProvider time, ILoggerFactory loggers, MetricsRegistry metrics)
    {
        var logger = loggers.CreateLogger<ApiAdmission>();
        _logger = loggers.CreateLogger<ServerLimits>();
        Command = new ApiAdmission(options.Admission, "cmd", time, logger);
        metrics.AddCollector(Command.Collect);
        if (options.ExternalMetrics.Enabled)
        {
            ExternalMetrics = new ApiAdmission(options.Admission, "external_metrics", time, logger);
            metrics.AddCollector(ExternalMetrics.Collect);
        }
        _returnIdleMemory = options.TrimWorkingSet;
        _memoryCheck = time.CreateTimer(_ => ReturnMemory(), null, ReturnCheckPeriod, ReturnCheckPeriod);
    }

    /// <summary>How often <see cref="ReturnMemory"/> runs: it looks for storms every 30th time, returns idle memory every 10th.</summary>
    public static readonly TimeSpan ReturnCheckPeriod = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often free native memory is returned and, when churn has left enough garbage, the heap compacted. Under 200
    /// connections at 5k the resident size crept ~0.3 MB/s between returns (garbage promoted to gen2, native heap pages
    /// touched again); every 30 s that made a 66 MB peak of a 59 MB process.
    /// </summary>
    public static readonly TimeSpan IdleReturnPeriod = TimeSpan.FromSeconds(10);

    /// <summary>This many handshakes since the last return are a wave whose leftovers are returned once it has passed.</summary>
    public const int HandshakeWave = 100;

    /// <summary>A wave has passed when fewer than this many handshakes happened since the previous check.</summary>
    public const int WaveQuiet = 10;

    /// <summary>Checks between two compactions: a client reconnecting in waves costs at most one ~50 ms pause per 10 s.</summary>
    private const int CompactionGap = 10;

    private readonly bool _returnIdleMemory;
    private long _checks;
    private long _acceptedAtLastReturn;
    private long _acceptedAtLastCheck;
    private long _lastCompaction = -CompactionGap;

    /// <summary>
    /// Every <see cref="StormCheckPeriod"/>: after a connection storm, everything it held (<see cref="ReturnMemoryAfterStorms"/>).
    /// Every <see cref="IdleReturnPeriod"/>, unless <c>DCA_TRIM_WORKING_SET=false</c>: the free native heap and, when churn
    /// has left enough garbage in the old generation, a compaction (<see cref="Dca.Hosting.WorkingSetTrimmer.ReturnIdleMemory"/>:
    /// ~30-50 ms at 5k, at most once per period). Between those, once a wave of <see cref="HandshakeWave"/> handshakes has passed (a fleet
    /// reconnecting), the same within a second: 200 handshakes at once left ~12 MB of garbage and free native heap that
    /// otherwise stayed until the next period (the 5k profile's peak while serving, docs/benchmarks.md).
    /// </summary>
    internal void ReturnMemory()
    {
        // Timer callbacks overlap when one outlasts the period (a compaction of a large heap on a throttled CPU).
        if (Interlocked.CompareExchange(ref _returning, 1, 0) != 0)
        {
            return;
        }
        try
        {
            var check = ++_checks;
            var stormCheck = check % (StormCheckPeriod.Ticks / ReturnCheckPeriod.Ticks) == 0;
            var periodic = check % (IdleReturnPeriod.Ticks / ReturnCheckPeriod.Ticks) == 0;
            var accepted = Command.AcceptedConnections + (ExternalMetrics?.AcceptedConnections ?? 0);
            var sinceLastCheck = accepted - _acceptedAtLastCheck;
            _acceptedAtLastCheck = accepted;
            if (stormCheck && ReturnMemoryAfterStorms())
            {
                _acceptedAtLastReturn = accepted;
                return;
            }
            var wavePassed = accepted - _acceptedAtLastReturn >= HandshakeWave && sinceLastCheck < WaveQuiet;
            // Not during start-up: the first lists end with their own compaction (MetadataService), which marks it.
            if (!_returnIdleMemory || !Dca.Hosting.WorkingSetTrimmer.StartupReleased || (!periodic && !wavePassed))
            {
                return;
            }
            _acceptedAtLastReturn = accepted;
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            var before = Environment.WorkingSet;
            var compacted = Dca.Hosting.WorkingSetTrimmer.ReturnIdleMemory(allowCompaction: check - _lastCompaction >= CompactionGap);
            if (compacted)
            {
                _lastCompaction = check;
            }
            Log.IdleMemoryReturned(_logger, compacted, (before - Environment.WorkingSet) / 1048576.0,
                System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        finally
        {
            Volatile.Write(ref _returning, 0);
        }
    }

    private int _returning;

    /// <summary>
    /// Each open TLS connection holds ~75 KB, most of it OpenSSL's, in native memory the allocator keeps once freed:
    /// after 10,000 node agents reconnected at once and then went idle, the process kept ~750 MB. When the connections
    /// open have fallen to a quarter of a peak of at least <see cref="StormConnections"/>, the heap is compacted and
    /// free native memory returned (a few milliseconds, at most once per <see cref="StormCheckPeriod"/>).
    /// </summary>
    internal bool ReturnMemoryAfterStorms()
    {
        var peak = Math.Max(Command.TakePeakConnections(), ExternalMetrics?.TakePeakConnections() ?? 0);
        var open = Command.OpenConnections + (ExternalMetrics?.OpenConnections ?? 0);
        if (peak < StormConnections || open > peak / 4)
        {
            return false;
        }
        var before = Environment.WorkingSet;
        Dca.Hosting.WorkingSetTrimmer.CompactAfterBurst();
        Log.MemoryReturned(_logger, peak, open, (before - Environment.WorkingSet) / 1048576.0);
        return true;
    }

    public void Dispose() => _memoryCheck.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1210, LogLevel.Information, "{Peak} connections were open at once, {Open} now: returned {FreedMiB:F0} MiB of memory they held")]
        public static partial void MemoryReturned(ILogger logger, long peak, long open, double freedMiB);

        [LoggerMessage(1211, LogLevel.Debug, "Idle memory returned (heap compacted: {Compacted}): {FreedMiB:F1} MiB in {Milliseconds:F1} ms")]
        public static partial void IdleMemoryReturned(ILogger logger, bool compacted, double freedMiB, double milliseconds);
    }

    /// <summary>The node-agent API's admission (<c>DD_CLUSTER_AGENT_CMD_PORT</c>).</summary>
    public ApiAdmission Command { get; }

    /// <summary>The external metrics API's admission (<c>DD_EXTERNAL_METRICS_PROVIDER_PORT</c>), when enabled.</summary>
    public ApiAdmission? ExternalMetrics { get; }

    /// <summary>Server-wide limits. The others keep Kestrel's defaults, listed in docs/configuration.md.</summary>
    public static void Apply(KestrelServerLimits limits, AdmissionSettings settings)
    {
        limits.KeepAliveTimeout = settings.IdleTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MaxRequestBodySize = MaxRequestBodySize;
    }

    /// <summary>The request middleware of both HTTPS ports, built once; other ports pass through.</summary>
    public Func<RequestDelegate, RequestDelegate> Requests(int commandPort, int externalMetricsPort) => next =>
    {
        var command = Command.Requests(next);
        var external = ExternalMetrics?.Requests(next);
        return context => context.Connection.LocalPort == commandPort ? command(context)
            : external is not null && context.Connection.LocalPort == externalMetricsPort ? external(context)
            : next(context);
    };
}
