using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.Intake;

namespace Dca.Node.Collection;

/// <summary>
/// <c>DD_AUTOSCALING_FAILOVER_ENABLED</c>: after each collection, the samples of <c>DD_AUTOSCALING_FAILOVER_METRICS</c>
/// also go to the cluster agent (<c>POST /api/v2/series</c>), whose leader serves them as external metrics to the
/// Horizontal Pod Autoscaler with no service outside the cluster. Off the collection loop: only the latest
/// collection waits (metrics are point-in-time), and a failed push is counted and logged, never retried.
/// </summary>
internal sealed partial class ClusterAgentSeriesPusher : BackgroundService
{
    private readonly ClusterAgentClient _client;
    private readonly HashSet<string> _metrics;
    private readonly ILogger _logger;
    private readonly Channel<IReadOnlyList<MetricSample>> _queue = Channel.CreateBounded<IReadOnlyList<MetricSample>>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private long _pushed;
    private long _failed;
    private bool _failing;

    public ClusterAgentSeriesPusher(ClusterAgentClient client, IEnumerable<string> metrics, ILogger<ClusterAgentSeriesPusher> logger)
    {
        _client = client;
        _metrics = new HashSet<string>(metrics, StringComparer.Ordinal);
        _logger = logger;
    }

    public long Pushed => Interlocked.Read(ref _pushed);

    /// <summary>Takes the samples of one collection (keeps those of the configured metrics).</summary>
    public void Offer(IReadOnlyList<MetricSample> samples)
    {
        var kept = samples.Where(s => _metrics.Contains(s.Metric)).ToList();
        if (kept.Count > 0)
        {
            _queue.Writer.TryWrite(kept);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var samples in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await PushAsync(samples, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends one collection's samples now (the loop's step; tests call it directly).</summary>
    public async Task PushAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (body, count) in SeriesPayload.Build(samples, IntakeSinkOptions.DefaultMaxSeriesPayloadBytes))
            {
                await _client.PostSeriesAsync(body, cancellationToken);
                Interlocked.Add(ref _pushed, count);
            }
            if (_failing)
            {
                _failing = false;
                Log.Recovered(_logger);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Add(ref _failed, samples.Count);
            if (!_failing)
            {
                _failing = true;
                Log.Failed(_logger, e.Message);
            }
        }
    }

    public void WriteSelfMetrics(StringBuilder sb)
    {
        sb.Append("# HELP dca_node_autoscaling_series_pushed_total Samples pushed to the cluster agent for external metrics.\n# TYPE dca_node_autoscaling_series_pushed_total counter\n")
          .Append("dca_node_autoscaling_series_pushed_total ").Append(Pushed.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_autoscaling_series_failed_total Samples the cluster agent did not take.\n# TYPE dca_node_autoscaling_series_failed_total counter\n")
          .Append("dca_node_autoscaling_series_failed_total ").Append(Interlocked.Read(ref _failed).ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static partial class Log
    {
        [LoggerMessage(730, LogLevel.Warning, "Autoscaling: cannot push series to the cluster agent ({Error}); the next collection tries again")]
        public static partial void Failed(ILogger logger, string error);

        [LoggerMessage(731, LogLevel.Information, "Autoscaling: the cluster agent takes our series again")]
        public static partial void Recovered(ILogger logger);
    }
}
