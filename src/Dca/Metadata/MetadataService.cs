using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.Metadata;

/// <summary>
/// Watches the cluster once: reflectors on nodes and namespaces (metadata only), services (metadata
/// only, counted) and EndpointSlices — or core/v1 Endpoints when <c>DD_KUBERNETES_USE_ENDPOINT_SLICES</c>
/// is false or the server has no discovery.k8s.io/v1 — feeding the <see cref="SnapshotBuilder"/>.
/// Each informer is a health component: not ready until its first list, unhealthy while failing.
/// </summary>
internal sealed partial class MetadataService : BackgroundService
{
    private readonly KubernetesClient _client;
    private readonly DcaOptions _options;
    private readonly SnapshotHolder _holder;
    private readonly HealthRegistry _health;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<(string Name, IReflector Reflector)> _informers = [];

    public MetadataService(KubernetesClient client, DcaOptions options, SnapshotHolder holder, HealthRegistry health, ILoggerFactory loggerFactory)
    {
        _client = client;
        _options = options;
        _holder = holder;
        _health = health;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MetadataService>();
        // Registered now, not when the informers start: until the first snapshot, /ready must fail
        // even before the informer components exist.
        _health.Register("metadata", () => _holder.Current.Synced ? HealthState.Ok : HealthState.NotReady("waiting for the first snapshot"));
    }

    /// <summary>The informers, for status and metrics (empty until started).</summary>
    public IReadOnlyList<(string Name, IReflector Reflector)> Informers => _informers;

    public SnapshotBuilder? Builder { get; private set; }

    /// <summary>"endpointslices" or "endpoints", once decided.</summary>
    public string? EndpointsSource { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var useSlices = _options.UseEndpointSlices && await ServerHasEndpointSlicesAsync(stoppingToken);
        EndpointsSource = useSlices ? "endpointslices" : "endpoints";
        var reflectorOptions = new ReflectorOptions();
        var nodeStore = new ObjectStore<ServedObject<NodeMetadataBodies>>();
        var namespaceStore = new ObjectStore<ServedObject<NamespaceEntry>>();
        var endpointsStore = new ObjectStore<EndpointMembers>();
        var view = new EndpointsView(endpointsStore.Get);
        var builder = new SnapshotBuilder(_holder, name => nodeStore.Get(name)?.Served, name => namespaceStore.Get(name)?.Served, view,
            ["nodes", "namespaces", "services", EndpointsSource], _options.CoalesceWindow,
            _client.TimeProvider, _loggerFactory.CreateLogger<SnapshotBuilder>(), ReleaseStartupMemory);
        Builder = builder;
        var ignoreReadiness = _options.IgnoreReadiness;
        var hostAliases = _options.HostAliasAnnotations;
        // Nodes and namespaces are kept as the bodies served for them (ServedObject): only the host-alias
        // annotations of a node are served, and node annotations can be large.
        _informers.Add(("nodes", new Reflector<PartialObjectMetadata, ServedObject<NodeMetadataBodies>>(_client, Resources.NodeMetadata, reflectorOptions,
            new ServedObjectHandler<NodeMetadataBodies>(builder, "nodes", static name => new MetadataChange.NodeChanged(name), ServedObjects.Same),
            _loggerFactory, nodeStore)
        {
            Transform = node => ServedObjects.Node(node, hostAliases, nodeStore.Get(node.Metadata.Key)),
        }));
        _informers.Add(("namespaces", new Reflector<PartialObjectMetadata, ServedObject<NamespaceEntry>>(_client, Resources.NamespaceMetadata, reflectorOptions,
            new ServedObjectHandler<NamespaceEntry>(builder, "namespaces", static name => new MetadataChange.NamespaceChanged(name), ServedObjects.Same),
            _loggerFactory, namespaceStore)
        {
            Transform = ns => ServedObjects.Namespace(ns, namespaceStore.Get(ns.Metadata.Key)),
        }));
        _informers.Add(("services", new Reflector<PartialObjectMetadata, ObjectVersion>(_client, ServiceMetadata, reflectorOptions,
            new SyncOnlyHandler<ObjectVersion>(builder, "services"), _loggerFactory, new VersionIndex())
        {
            // Services are counted, never served: keep a hash of their key and their version only (24 bytes
            // each; their metadata kept ~330 bytes, 100,000 services 33 MB).
            Transform = ObjectVersion.Of,
        }));
        var endpointsHandler = new EndpointsHandler(builder, EndpointsSource);
        _informers.Add(useSlices
            ? ("endpointslices", new Reflector<EndpointSlice, EndpointMembers>(_client, Resources.EndpointSlices, reflectorOptions,
                endpointsHandler, _loggerFactory, endpointsStore)
            {
                Transform = slice => EndpointMembers.FromSlice(slice, ignoreReadiness, SameKey),
            })
            : ("endpoints", new Reflector<Endpoints, EndpointMembers>(_client, Resources.Endpoints, reflectorOptions,
                endpointsHandler, _loggerFactory, endpointsStore)
            {
                Transform = endpoints => EndpointMembers.FromEndpoints(endpoints, ignoreReadiness, SameKey),
            }));
        Log.Starting(_logger, EndpointsSource, _options.IgnoreReadiness);

        // Every version of an endpoints object carries the key instance of the first (EndpointMembers.Key).
        string SameKey(string key) => endpointsStore.Get(key)?.Key ?? key;

        var tasks = new List<Task> { builder.RunAsync(stoppingToken) };
        foreach (var (name, informer) in _informers)
        {
            _health.Register("informer-" + name, () => InformerHealth(informer));
            tasks.Add(RunGuardedAsync(name, informer, stoppingToken));
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// The first lists leave the largest garbage the process will ever make (whole list pages): compact
    /// once and give the memory back, so the resident size reflects the data kept; then, unless
    /// disabled, trim what only start-up used (see <see cref="WorkingSetTrimmer"/>).
    /// </summary>
    private void ReleaseStartupMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (_options.TrimWorkingSet)
        {
            var (before, after) = WorkingSetTrimmer.Trim();
            Log.Trimmed(_logger, before / 1048576.0, after / 1048576.0);
            // From now on freed native memory goes back to the system (not during the first lists: packing 10,000
            // bodies allocates and frees a compressor state each, which fixed thresholds would map anew each time).
            WorkingSetTrimmer.KeepNativeHeapTrimmed();
        }
    }

    /// <summary>Evaluated at every probe: not ready until listed, unhealthy while failing too long, dead if its loop stopped.</summary>
    private static HealthState InformerHealth(IReflector informer)
    {
        if (informer.State == ReflectorState.Dead)
        {
            return HealthState.Dead("informer loop stopped: " + informer.LastError);
        }
        if (!informer.HasSynced)
        {
            return HealthState.NotReady(informer.LastError is { } e ? "not synced: " + e : "syncing");
        }
        return informer.IsHealthy
            ? HealthState.Ok
            : HealthState.Unhealthy($"no successful list or watch for {informer.SinceLastSuccess.TotalSeconds:F0} s: {informer.LastError}");
    }

    /// <summary>Services, metadata only: the agent needs their existence, not their spec.</summary>
    private static readonly ResourceKind<PartialObjectMetadata> ServiceMetadata = new()
    {
        Group = "", Version = "v1", Plural = "services", Namespaced = true, MetadataOnly = true,
        ItemType = KubernetesJsonContext.Default.PartialObjectMetadata,
        ListType = KubernetesJsonContext.Default.KubeListPartialObjectMetadata,
    };

    private async Task<bool> ServerHasEndpointSlicesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _client.GetTextAsync("/apis/discovery.k8s.io/v1", cancellationToken);
                return true;
            }
            catch (KubernetesApiException ex) when (ex.IsNotFound)
            {
                Log.NoEndpointSlices(_logger);
                return false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.DiscoveryFailed(_logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), _client.TimeProvider, cancellationToken);
            }
        }
    }

    private async Task RunGuardedAsync(string name, IReflector informer, CancellationToken cancellationToken)
    {
        try
        {
            await informer.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The loop catches everything it can recover from; reaching here is a bug. Be loud and unhealthy.
            informer.MarkDead(ex.Message);
            Log.InformerDied(_logger, name, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(210, LogLevel.Information, "Watching nodes, namespaces, services and {Source} (ignore readiness: {IgnoreReadiness})")]
        public static partial void Starting(ILogger logger, string source, bool ignoreReadiness);

        [LoggerMessage(211, LogLevel.Warning, "The API server has no discovery.k8s.io/v1: using core/v1 Endpoints")]
        public static partial void NoEndpointSlices(ILogger logger);

        [LoggerMessage(212, LogLevel.Warning, "API discovery failed, retrying: {Error}")]
        public static partial void DiscoveryFailed(ILogger logger, string error);

        [LoggerMessage(213, LogLevel.Critical, "Informer {Informer} stopped for good; the agent is not live")]
        public static partial void InformerDied(ILogger logger, string informer, Exception exception);

        [LoggerMessage(214, LogLevel.Information, "Start-up memory released: resident {Before:F1} MB -> {After:F1} MB")]
        public static partial void Trimmed(ILogger logger, double before, double after);
    }
}
