using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Dca.Protocol.Intake;

namespace Dca.Node.Collection;

/// <summary>
/// Sends each collection to the sink (Datadog's <c>/api/v2/series</c>, or JSON lines) off the collection
/// loop. At most <see cref="Capacity"/> collections wait; when the intake is slower than that, the oldest
/// waiting collection is dropped and counted (metrics are point-in-time: fresh ones matter more), so
/// memory stays bounded through an intake outage.
/// </summary>
internal sealed partial class SeriesShipper : BackgroundService
{
    private readonly IIntakeSink _sink;
    private readonly ILogger<SeriesShipper> _logger;

    private readonly Action? _afterSend;

    /// <summary>Ships through <paramref name="sink"/>; <paramref name="afterSend"/> runs after each collection is sent when no other waits (memory compaction).</summary>
    public SeriesShipper(IIntakeSink sink, ILogger<SeriesShipper> logger, Action? afterSend = null)
    {
        _sink = sink;
        _afterSend = afterSend;
        _logger = logger;
        _queue = Channel.CreateBounded<IReadOnlyList<MetricSample>>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            oldest =>
            {
                Interlocked.Add(ref _dropped, oldest.Count);
                Log.Dropped(_logger, oldest.Count);
            });
    }

    public const int Capacity = 4;

    private readonly Channel<IReadOnlyList<MetricSample>> _queue;
    private long _sent;
    private long _dropped;
    private long _failed;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Also given every collection (the autoscaling push to the cluster agent), when set.</summary>
    public Action<IReadOnlyList<MetricSample>>? AlsoTo { get; set; }

    public void Enqueue(IReadOnlyList<MetricSample> samples)
    {
        if (samples.Count == 0)
        {
            return;
        }
        _queue.Writer.TryWrite(samples);
        AlsoTo?.Invoke(samples);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var samples in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await _sink.SendSeriesAsync(samples, stoppingToken);
                    Interlocked.Add(ref _sent, samples.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Interlocked.Add(ref _failed, samples.Count);
                    Log.Failed(_logger, samples.Count, e.Message);
                }
                if (_queue.Reader.Count == 0)
                {
                    _afterSend?.Invoke();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public void WriteSelfMetrics(StringBuilder sb)
    {
        sb.Append("# HELP dca_node_series_sent_total Samples the sink accepted.\n# TYPE dca_node_series_sent_total counter\n")
          .Append("dca_node_series_sent_total ").Append(Sent.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_series_dropped_total Samples dropped because the sink fell behind.\n# TYPE dca_node_series_dropped_total counter\n")
          .Append("dca_node_series_dropped_total ").Append(Interlocked.Read(ref _dropped).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dca_node_series_failed_total Samples the sink gave up on after its retries.\n# TYPE dca_node_series_failed_total counter\n")
          .Append("dca_node_series_failed_total ").Append(Interlocked.Read(ref _failed).ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static partial class Log
    {
        [LoggerMessage(720, LogLevel.Warning, "Intake: gave up on {Count} samples: {Failure}")]
        public static partial void Failed(ILogger logger, int count, string failure);

        [LoggerMessage(721, LogLevel.Warning, "Intake: dropped the oldest waiting collection ({Count} samples): the intake is slower than the collections")]
        public static partial void Dropped(ILogger logger, int count);
    }
}
