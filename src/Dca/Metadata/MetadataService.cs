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
    private static readonly TimeSpan s_healthInterval = TimeSpan.FromSeconds(1);

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
        var nodeStore = new ObjectStore<PartialObjectMetadata>();
        var namespaceStore = new ObjectStore<PartialObjectMetadata>();
        var sliceStore = new ObjectStore<EndpointSlice>();
        var endpointsStore = new ObjectStore<Endpoints>();
        EndpointsView view = useSlices
            ? new EndpointSliceView(sliceStore.Get, _options.IgnoreReadiness)
            : new CoreEndpointsView(endpointsStore.Get, _options.IgnoreReadiness);
        var builder = new SnapshotBuilder(_holder, nodeStore, namespaceStore, view,
            ["nodes", "namespaces", "services", EndpointsSource], _options.HostAliasAnnotations, _options.CoalesceWindow,
            _client.TimeProvider, _loggerFactory.CreateLogger<SnapshotBuilder>());
        Builder = builder;
        var ignoreReadiness = _options.IgnoreReadiness;
        _informers.Add(("nodes", new Reflector<PartialObjectMetadata>(_client, Resources.NodeMetadata, reflectorOptions,
            new ObjectMetadataHandler(builder, "nodes", isNode: true), _loggerFactory, nodeStore)));
        _informers.Add(("namespaces", new Reflector<PartialObjectMetadata>(_client, Resources.NamespaceMetadata, reflectorOptions,
            new ObjectMetadataHandler(builder, "namespaces", isNode: false), _loggerFactory, namespaceStore)));
        _informers.Add(("services", new Reflector<PartialObjectMetadata>(_client, ServiceMetadata, reflectorOptions,
            new SyncOnlyHandler<PartialObjectMetadata>(builder, "services"), _loggerFactory)));
        _informers.Add(useSlices
            ? ("endpointslices", new Reflector<EndpointSlice>(_client, Resources.EndpointSlices, reflectorOptions,
                new EndpointsHandler<EndpointSlice>(builder, "endpointslices", s => EndpointSliceView.Nodes(s, ignoreReadiness)), _loggerFactory, sliceStore))
            : ("endpoints", new Reflector<Endpoints>(_client, Resources.Endpoints, reflectorOptions,
                new EndpointsHandler<Endpoints>(builder, "endpoints", e => CoreEndpointsView.Nodes(e, ignoreReadiness)), _loggerFactory, endpointsStore)));
        Log.Starting(_logger, EndpointsSource, _options.IgnoreReadiness);

        var metadataHealth = _health.Register("metadata");
        var tasks = new List<Task> { builder.RunAsync(stoppingToken) };
        foreach (var (name, informer) in _informers)
        {
            tasks.Add(RunGuardedAsync(name, informer, _health.Register("informer-" + name), stoppingToken));
        }
        tasks.Add(MonitorAsync(metadataHealth, stoppingToken));
        await Task.WhenAll(tasks);
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

    private async Task RunGuardedAsync(string name, IReflector informer, HealthComponent component, CancellationToken cancellationToken)
    {
        try
        {
            await informer.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The loop catches everything it can recover from; reaching here is a bug. Be loud and unhealthy.
            informer.MarkDead(ex.Message);
            component.Dead($"informer loop stopped: {ex.Message}");
            Log.InformerDied(_logger, name, ex);
        }
    }

    private async Task MonitorAsync(HealthComponent metadata, CancellationToken cancellationToken)
    {
        var components = _informers.ToDictionary(i => i.Name, i => _health.Register("informer-" + i.Name), StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var (name, informer) in _informers)
            {
                var component = components[name];
                if (informer.State == ReflectorState.Dead)
                {
                    continue;
                }
                if (!informer.HasSynced)
                {
                    component.Unhealthy(informer.LastError is { } e ? "not synced: " + e : "syncing");
                }
                else if (!informer.IsHealthy)
                {
                    component.Unhealthy($"no successful watch for {informer.SinceLastSuccess.TotalSeconds:F0} s: {informer.LastError}");
                }
                else
                {
                    component.Healthy();
                }
            }
            if (_holder.Current.Synced)
            {
                metadata.Healthy();
            }
            try
            {
                await Task.Delay(s_healthInterval, _client.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
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
    }
}
