using System.Globalization;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Leader;
using Dca.Protocol.Intake;
using KubeEvent = Dca.Kubernetes.Models.Event;

namespace Dca.Events;

/// <summary>What <see cref="EventCollector"/> reads and how often.</summary>
internal sealed record EventCollectorOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>kubernetes_event_resync_period_s</c>: a full list at least this often.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary><c>kubernetes_event_read_timeout_ms</c>: how long one run watches.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a batch already read may still be delivered and its position saved after the term ends. The next
    /// leader takes the lease only when it expires, after the renew deadline at which this term ended: finishing
    /// within part of that gap means it resumes after this batch instead of delivering it again. Default 2 s.
    /// </summary>
    public TimeSpan HandOverGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>max_events_per_run</c>.</summary>
    public int MaxEventsPerRun { get; init; } = 300;

    /// <summary><c>DD_FILTERED_EVENT_TYPES</c>: field selectors; an entry without '=' means <c>reason!=entry</c>.</summary>
    public IReadOnlyList<string> FilteredEventTypes { get; init; } = [];

    public string? ClusterName { get; init; }

    /// <summary>One Datadog event per Kubernetes event instead of bundles per involved object.</summary>
    public bool Unbundled { get; init; }

    /// <summary>The field selector the filters make, or null.</summary>
    public string? FieldSelector => FilteredEventTypes.Count == 0 ? null
        : string.Join(',', FilteredEventTypes.Select(f => f.Contains('=', StringComparison.Ordinal) ? f : "reason!=" + f));
}

/// <summary>
/// Leader-only collection of core/v1 events (PROTOCOL.md §5), one run per interval: read the resume
/// position; list (first run, empty token, resync due, or the watch answered 410 Expired) keeping only
/// events newer than the position, else watch from it for the read timeout; at most
/// <see cref="EventCollectorOptions.MaxEventsPerRun"/> events, oldest first, so a backlog drains over
/// several runs and nothing is skipped; bundle; deliver; and only then save the new position. A send
/// that fails leaves the position where it was: the next run (or the next leader) sends those events again.
/// A save that fails after a delivery is retried by the next run, which resumes from the delivered position
/// kept in memory, so the API server failing between the two does not deliver events twice.
/// </summary>
internal sealed partial class EventCollector(KubernetesClient client, IIntakeSink sink, EventTokenStore token, EventCollectorOptions options, ILogger<EventCollector> logger) : ILeaderWork
{
    private long _collected;
    private long _runs;
    private long _errors;

    // The position after the last delivery, kept in memory: when saving it fails (the API server failing right
    // after the intake took the events), the next run resumes from here instead of the older saved token and
    // does not deliver those events again; it saves this position with its own. Only this replica's own
    // deliveries are in it, so taking the newer of it and the token is safe across terms.
    private EventPosition? _delivered;

    public string Name => "kubernetes-events";

    public long Collected => Interlocked.Read(ref _collected);

    public long Runs => Interlocked.Read(ref _runs);

    public long Errors => Interlocked.Read(ref _errors);

    public async Task RunAsync(long term, CancellationToken termToken)
    {
        Log.Starting(logger, term, token.Description);
        while (!termToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(termToken);
            }
            catch (Exception ex) when (!termToken.IsCancellationRequested)
            {
                // Anything short of the term ending (a timeout included) is one failed run, not the end of collection.
                Interlocked.Increment(ref _errors);
                Log.RunFailed(logger, ex.Message);
            }
            await Task.Delay(options.Interval, client.TimeProvider, termToken);
        }
    }

    /// <summary>One run; returns the number of Kubernetes events delivered.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var position = await token.ReadAsync(cancellationToken);
        if (_delivered is { } delivered && Number(delivered.ResourceVersion) > Number(position.ResourceVersion))
        {
            position = delivered;
        }
        var now = client.TimeProvider.GetUtcNow();
        var relist = position.ResourceVersion.Length == 0
            || position.LastList is not { } listed || now - listed > options.ResyncPeriod;
        (List<KubeEvent> Events, string ResourceVersion, bool Listed) batch = relist
            ? await ListAsync(position.ResourceVersion, cancellationToken)
            : await WatchAsync(position.ResourceVersion, cancellationToken) ?? await ListAsync(position.ResourceVersion, cancellationToken);

        var events = batch.Events;
        var next = batch.ResourceVersion;
        if (events.Count > options.MaxEventsPerRun)
        {
            events = [.. events.Take(options.MaxEventsPerRun)];
            // Resume right after the last event sent; the rest come next run.
            next = events[^1].Metadata.ResourceVersion ?? position.ResourceVersion;
        }
        // From here the batch is delivered and its position saved even if the term ends meanwhile, within the
        // hand-over grace: abandoning it half-way would make the next leader deliver it again.
        using var finish = new CancellationTokenSource();
        using var termEnded = cancellationToken.Register(() => finish.CancelAfter(options.HandOverGrace));
        if (events.Count > 0)
        {
            await sink.SendEventsAsync(options.Unbundled
                ? EventBundler.Unbundled(events, options.ClusterName)
                : EventBundler.Bundle(events, options.ClusterName), finish.Token);
        }
        _delivered = new EventPosition(next, batch.Listed ? now : position.LastList);
        await token.WriteAsync(_delivered, finish.Token);
        Interlocked.Add(ref _collected, events.Count);
        Interlocked.Increment(ref _runs);
        return events.Count;
    }

    private async Task<(List<KubeEvent>, string, bool)> ListAsync(string after, CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await client.ListAllAsync(Resources.Events,
            new ListOptions { FieldSelector = options.FieldSelector, Limit = 500 }, cancellationToken);
        var floor = Number(after);
        var newer = items.Where(e => Number(e.Metadata.ResourceVersion) > floor).OrderBy(e => Number(e.Metadata.ResourceVersion)).ToList();
        return (newer, resourceVersion, true);
    }

    /// <summary>Events after <paramref name="after"/> for up to the read timeout; null when the server says 410 Expired.</summary>
    private async Task<(List<KubeEvent>, string, bool)?> WatchAsync(string after, CancellationToken cancellationToken)
    {
        var events = new List<KubeEvent>();
        var last = after;
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(options.ReadTimeout);
        var watchOptions = new ListOptions
        {
            FieldSelector = options.FieldSelector,
            ResourceVersion = after,
            AllowBookmarks = false,
            TimeoutSeconds = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(options.ReadTimeout.TotalSeconds))),
        };
        try
        {
            await foreach (var change in client.WatchAsync(Resources.Events, watchOptions, options.ReadTimeout + TimeSpan.FromSeconds(5), window.Token))
            {
                if (change.Type == WatchEventType.Error)
                {
                    if (change.Error is { Code: 410 } or { Reason: "Expired" or "Gone" })
                    {
                        Log.Expired(logger, after);
                        return null;
                    }
                    throw new InvalidOperationException($"event watch error {change.Error?.Code}: {change.Error?.Message}");
                }
                if (change.Object is not { } e || change.Type == WatchEventType.Deleted)
                {
                    continue;
                }
                if (Number(e.Metadata.ResourceVersion) > Number(last))
                {
                    events.Add(e);
                    last = e.Metadata.ResourceVersion!;
                }
                if (events.Count >= options.MaxEventsPerRun)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The read window ended: what arrived so far is this run's batch.
        }
        catch (KubernetesApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Gone)
        {
            Log.Expired(logger, after);
            return null;
        }
        return (events, last, false);
    }

    private static ulong Number(string? resourceVersion) =>
        ulong.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static partial class Log
    {
        [LoggerMessage(710, LogLevel.Information, "Collecting Kubernetes events (term {Term}), resuming from {Token}")]
        public static partial void Starting(ILogger logger, long term, string token);

        [LoggerMessage(711, LogLevel.Information, "Event watch from resourceVersion {ResourceVersion} expired (410): relisting, keeping only newer events")]
        public static partial void Expired(ILogger logger, string resourceVersion);

        [LoggerMessage(712, LogLevel.Warning, "Event collection run failed (the position is kept; retried next run): {Error}")]
        public static partial void RunFailed(ILogger logger, string error);
    }
}
