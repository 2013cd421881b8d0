using Dca.Protocol.ClusterAgent;

namespace Dca.Node.Collection;

/// <summary>What the cluster agent last told this node: Services per pod, node labels, namespace labels.</summary>
internal sealed record ClusterMetadata(
    PodServices Services,
    IReadOnlyDictionary<string, string> NodeLabels,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabels)
{
    public static ClusterMetadata Empty { get; } = new(PodServices.Empty, new Dictionary<string, string>(),
        new Dictionary<string, IReadOnlyDictionary<string, string>>());
}

/// <summary>
/// Polls the cluster agent for this node's metadata every <c>DD_KUBERNETES_METADATA_TAG_UPDATE_FREQ</c>
/// (60 s): <c>/api/v1/tags/pod/{node}</c>, <c>/api/v1/tags/node/{node}</c>, and the labels of the
/// namespaces that have pods here when namespace labels are mapped to tags. A failed poll keeps the
/// last good answer (tagging goes on with it) and is retried with jittered exponential backoff from
/// 1 s to 5 min, like the Datadog node agent's retrier, and never sooner than a shedding cluster agent's
/// <c>Retry-After</c> (plus jitter); success returns to the normal period.
/// </summary>
internal sealed partial class ClusterMetadataSource(
    ClusterAgentClient client, string node, TimeSpan period, bool namespaceLabels, TimeProvider time, ILogger<ClusterMetadataSource> logger)
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private ClusterMetadata _current = ClusterMetadata.Empty;
    private string[] _namespaces = [];
    private long _successes;
    private long _errors;
    private long _lastSuccessUnix;
    private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterMetadata Current => Volatile.Read(ref _current);

    public long Successes => Interlocked.Read(ref _successes);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Unix seconds of the last successful poll (0: none yet).</summary>
    public long LastSuccessUnix => Interlocked.Read(ref _lastSuccessUnix);

    /// <summary>Completes at the first successful poll.</summary>
    public Task FirstAnswer => _firstAnswer.Task;

    /// <summary>The namespaces with pods on this node (set by the collector), whose labels the next poll fetches.</summary>
    public void SetNamespaces(IEnumerable<string> namespaces) => Volatile.Write(ref _namespaces, namespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await PollAsync(cancellationToken);
                if (failing)
                {
                    Log.Recovered(logger, client.Version?.ToString() ?? "?");
                }
                failing = false;
                backoff = InitialBackoff;
                wait = period;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _errors);
                wait = FailureWait(backoff, e, Random.Shared.NextDouble());
                Log.Failed(logger, e.Message, Current.Services.PodCount, wait.TotalSeconds);
                failing = true;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            try
            {
                await Task.Delay(wait, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The wait after a failed poll: the backoff with jitter (half to all of it), and never less than what a
    /// shedding cluster agent asked (<c>Retry-After</c>) plus up to half again, so that the node agents it
    /// refused together do not come back together. <paramref name="random"/> is uniform in [0, 1).
    /// </summary>
    internal static TimeSpan FailureWait(TimeSpan backoff, Exception failure, double random)
    {
        var wait = backoff * (0.5 + (random / 2));
        return failure is ClusterAgentException { RetryAfter: { } asked } && asked > wait ? asked * (1 + (random / 2)) : wait;
    }

    /// <summary>One poll; replaces the current metadata only when every call succeeded.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var services = await client.GetPodServicesAsync(node, cancellationToken);
        var labels = await client.GetNodeLabelsAsync(node, cancellationToken);
        var byNamespace = Current.NamespaceLabels;
        if (namespaceLabels)
        {
            var fetched = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var ns in Volatile.Read(ref _namespaces))
            {
                try
                {
                    fetched[ns] = await client.GetNamespaceLabelsAsync(ns, cancellationToken);
                }
                catch (ClusterAgentException e) when (e.Status == 500)
                {
                    // The namespace is gone, or not yet known to the cluster agent: no labels.
                }
            }
            byNamespace = fetched;
        }
        Volatile.Write(ref _current, new ClusterMetadata(services, labels, byNamespace));
        Interlocked.Increment(ref _successes);
        Interlocked.Exchange(ref _lastSuccessUnix, time.GetUtcNow().ToUnixTimeSeconds());
        _firstAnswer.TrySetResult();
    }

    private static partial class Log
    {
        [LoggerMessage(710, LogLevel.Warning, "Cluster agent: {Failure}; tagging goes on with the last answer ({Pods} pods with Services), next try in {Seconds:F1} s")]
        public static partial void Failed(ILogger logger, string failure, int pods, double seconds);

        [LoggerMessage(711, LogLevel.Information, "Cluster agent reachable again (version {Version})")]
        public static partial void Recovered(ILogger logger, string version);
    }
}
