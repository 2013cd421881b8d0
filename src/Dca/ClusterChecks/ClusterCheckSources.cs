using System.Threading.Channels;
using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;

namespace Dca.ClusterChecks;

/// <summary>
/// Collects every cluster-check configuration and hands the whole set to the <see cref="ClusterCheckDispatcher"/>:
/// <list type="bullet">
/// <item>the checks directory (<c>DD_CONFD_PATH</c>), re-read every <see cref="ClusterCheckSettings.ConfdRefresh"/>
/// (a mounted ConfigMap changes in place);</item>
/// <item>Services, watched in full but kept in full only when they carry Datadog check annotations;</item>
/// <item>for the Services with <c>endpoints</c> annotations only, their EndpointSlices with addresses and ports,
/// watched with the label selector <c>kubernetes.io/service-name in (...)</c>, restarted when that set changes
/// (the previous slices stay in use until the new watch has listed).</item>
/// </list>
/// Changes are coalesced (<see cref="Coalesce"/>), then everything is resolved again: a few hundred annotated
/// services resolve in well under a millisecond each. Broken sources are <see cref="Problems"/>, logged once
/// each, counted, and shown by <c>dca status</c>; they never stop the others.
/// </summary>
internal sealed partial class ClusterCheckSources : BackgroundService
{
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(100);

    private readonly KubernetesClient _client;
    private readonly ClusterCheckSettings _settings;
    private readonly ClusterCheckDispatcher _dispatcher;
    private readonly HealthRegistry _health;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly bool _ignoreReadiness;
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Reflector<Service>? _services;
    private SliceWatch? _slices;
    private SliceWatch? _pendingSlices;
    private IReadOnlyList<ConfigProblem> _problems = [];
    private string? _confdFingerprint;
    private (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) _confd = ([], []);
    private HashSet<string> _reported = [];
    private long _resolutions;
    private long _problemsReported;
    private long _errors;

    public ClusterCheckSources(KubernetesClient client, DcaOptions options, ClusterCheckDispatcher dispatcher, HealthRegistry health, ILoggerFactory loggerFactory)
    {
        _client = client;
        _settings = options.ClusterChecks;
        _ignoreReadiness = options.IgnoreReadiness;
        _dispatcher = dispatcher;
        _health = health;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ClusterCheckSources>();
    }

    /// <summary>What is wrong with the sources now (empty when all is well).</summary>
    public IReadOnlyList<ConfigProblem> Problems => Volatile.Read(ref _problems);

    /// <summary>Times the sources were resolved.</summary>
    public long Resolutions => Interlocked.Read(ref _resolutions);

    /// <summary>Problems logged since start (each distinct problem once while it lasts).</summary>
    public long ProblemsReported => Interlocked.Read(ref _problemsReported);

    /// <summary>Resolutions that failed on an unexpected error (retried at the next change or refresh).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The informers, for status and metrics.</summary>
    public IEnumerable<(string Name, IReflector Reflector)> Informers
    {
        get
        {
            if (_services is { } services)
            {
                yield return ("services (checks)", services);
            }
            if (_slices is { } slices)
            {
                yield return ("endpointslices (checks)", slices.Reflector);
            }
            if (_pendingSlices is { } pending)
            {
                yield return ("endpointslices (checks, listing)", pending.Reflector);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var services = new Reflector<Service>(_client, Resources.Services, new ReflectorOptions(), new Signal<Service>(this), _loggerFactory)
        {
            // Unannotated services are kept as names only: a large cluster has many, and few carry checks.
            Transform = static s => HasCheckAnnotations(s) ? s : new Service { Metadata = new ObjectMeta { Name = s.Metadata.Name, Namespace = s.Metadata.Namespace, ResourceVersion = s.Metadata.ResourceVersion } },
        };
        _services = services;
        _health.Register("cluster-checks", () => services.HasSynced ? HealthState.Ok
            : HealthState.NotReady(services.LastError is { } e ? "services not listed: " + e : "listing services"));
        var watch = Task.Run(() => services.RunAsync(stoppingToken), stoppingToken);
        Log.Started(_logger, _settings.ConfdPath);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using (var refresh = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    refresh.CancelAfter(_settings.ConfdRefresh);
                    try
                    {
                        await _changed.Reader.WaitToReadAsync(refresh.Token);
                        await Task.Delay(Coalesce, _client.TimeProvider, stoppingToken);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The checks directory's refresh period.
                    }
                }
                _changed.Reader.TryRead(out _);
                try
                {
                    // The checks directory is served even while Services cannot be listed.
                    if (services.HasSynced)
                    {
                        UpdateSliceWatch(stoppingToken);
                    }
                    Resolve(services.HasSynced);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bug, not an input problem (those are ConfigProblems): logged, counted, retried next round.
                    Interlocked.Increment(ref _errors);
                    Log.ResolveFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _slices?.Stop();
            _pendingSlices?.Stop();
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(new[] { _slices?.Completion, _pendingSlices?.Completion }.OfType<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Changed() => _changed.Writer.TryWrite(true);

    private static bool HasCheckAnnotations(Service service) => service.Metadata.Annotations is { } a
        && (ServiceChecks.HasAnnotations("service", a) || ServiceChecks.HasAnnotations("endpoints", a));

    /// <summary>
    /// Keeps the slice watch's selector equal to the set of endpoints-checked Services. A new selector gets a new
    /// watch, swapped in once it has listed (the current one serves meanwhile). At most one watch lists at a time:
    /// changes arriving meanwhile are applied when it has listed, so a burst of annotation changes costs one
    /// list, not one each.
    /// </summary>
    private void UpdateSliceWatch(CancellationToken stoppingToken)
    {
        if (_pendingSlices is { } pending)
        {
            if (!pending.Reflector.HasSynced)
            {
                return;
            }
            _slices?.Stop();
            _slices = pending;
            _pendingSlices = null;
        }
        var names = _services!.Store.Items
            .Where(s => s.Metadata.Annotations is { } a && ServiceChecks.HasAnnotations("endpoints", a))
            .Select(s => s.Metadata.Name!)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var selector = names.Count == 0 ? null : $"{EndpointSlice.ServiceNameLabel} in ({string.Join(',', names)})";
        if (selector == _slices?.Selector)
        {
            return;
        }
        if (selector is null)
        {
            _slices?.Stop();
            _slices = null;
            return;
        }
        _pendingSlices = new SliceWatch(selector, new Reflector<AddressedEndpointSlice>(_client, Resources.AddressedEndpointSlices,
            new ReflectorOptions { LabelSelector = selector }, new Signal<AddressedEndpointSlice>(this), _loggerFactory), stoppingToken);
    }

    /// <summary>Resolves every source and replaces the dispatcher's configurations.</summary>
    private void Resolve(bool servicesSynced)
    {
        var configs = new List<CheckConfig>();
        // The directory is parsed again only when a file changed (10,000 files take a while to parse).
        var fingerprint = ConfDirectory.Fingerprint(_settings.ConfdPath);
        if (fingerprint != _confdFingerprint)
        {
            var (read, readProblems) = ConfDirectory.Read(_settings.ConfdPath);
            _confd = ([.. read.Select(Tagged)], readProblems);
            _confdFingerprint = fingerprint;
        }
        var (files, problems) = _confd;
        var allProblems = new List<ConfigProblem>(problems);
        configs.AddRange(files);
        var slices = (_slices?.Reflector.Store.Items ?? []).ToLookup(s => (s.Metadata.Namespace, s.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel)));
        var services = servicesSynced ? _services!.Store.Items.Where(HasCheckAnnotations) : [];
        foreach (var service in services.OrderBy(s => s.Metadata.Namespace, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            try
            {
                var (found, wrong) = ResolveService(service, slices);
                configs.AddRange(found);
                allProblems.AddRange(wrong);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever a hostile annotation can raise is that Service's problem only.
                allProblems.Add(new ConfigProblem($"service {service.Metadata.Namespace}/{service.Metadata.Name}", "cannot be resolved: " + e.Message));
            }
        }
        _dispatcher.SetConfigs(configs);
        Report(allProblems);
        Interlocked.Increment(ref _resolutions);
        Log.Resolved(_logger, configs.Count, allProblems.Count);
    }

    /// <summary>One Service's configurations (patched with the tags) and problems; a throw leaves nothing half added.</summary>
    private (List<CheckConfig> Configs, List<ConfigProblem> Problems) ResolveService(Service service, ILookup<(string?, string?), AddressedEndpointSlice> slices)
    {
        var configs = new List<CheckConfig>();
        var problems = new List<ConfigProblem>();
        var annotations = service.Metadata.Annotations!;
        var ns = service.Metadata.Namespace ?? "default";
        var name = service.Metadata.Name ?? "";
        var clusterIp = service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None" ? ip : null;
        var ports = (service.Spec?.Ports ?? []).Select(p => (p.Name ?? "", p.Port)).ToList();
        if (ServiceChecks.HasAnnotations("service", annotations))
        {
            var (found, wrong) = ServiceChecks.ForService(ns, name, new CheckTarget(clusterIp, ports, ns), annotations);
            configs.AddRange(found);
            problems.AddRange(wrong);
        }
        if (ServiceChecks.HasAnnotations("endpoints", annotations))
        {
            foreach (var slice in slices[(ns, name)].OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
            {
                var slicePorts = (slice.Ports ?? []).Where(p => p.Port is > 0).Select(p => (p.Name ?? "", p.Port!.Value)).ToList();
                foreach (var endpoint in slice.Endpoints ?? [])
                {
                    if (endpoint.Addresses is not [var address, ..] || (!_ignoreReadiness && endpoint.Conditions?.Ready == false))
                    {
                        continue;
                    }
                    // Pod-backed endpoints run on the pod's node; the others are plain cluster checks (as Datadog's provider does).
                    var pod = endpoint.TargetRef is { Kind: "Pod" } target ? target : null;
                    var node = pod is not null && endpoint.NodeName is { Length: > 0 } n ? n : "";
                    var (found, wrong) = ServiceChecks.ForEndpoint(ns, name, address, node, new CheckTarget(address, slicePorts, ns), annotations, pod?.Uid);
                    configs.AddRange(found);
                    // The same annotation problem would otherwise be listed once per endpoint.
                    problems.AddRange(wrong.Where(p => !problems.Contains(p)));
                }
            }
        }
        return ([.. configs.Select(Tagged)], problems);
    }

    private CheckConfig Tagged(CheckConfig config) => InstanceTags.Add(config, _settings.ExtraTags);

    private void Report(List<ConfigProblem> problems)
    {
        var now = new HashSet<string>(problems.Select(p => p.ToString()), StringComparer.Ordinal);
        foreach (var problem in now.Where(p => !_reported.Contains(p)))
        {
            Log.Problem(_logger, problem);
            Interlocked.Increment(ref _problemsReported);
        }
        foreach (var fixedProblem in _reported.Where(p => !now.Contains(p)))
        {
            Log.ProblemGone(_logger, fixedProblem);
        }
        _reported = now;
        Volatile.Write(ref _problems, problems);
    }

    /// <summary>A reflector's change: resolve again soon.</summary>
    private sealed class Signal<T>(ClusterCheckSources owner) : IReflectorHandler<T> where T : class, IKubernetesObject
    {
        public void OnAdded(T item) => owner.Changed();

        public void OnUpdated(T previous, T current) => owner.Changed();

        public void OnDeleted(T item) => owner.Changed();

        public void OnSynced() => owner.Changed();
    }

    /// <summary>One slice watch, for one selector.</summary>
    private sealed class SliceWatch
    {
        private readonly CancellationTokenSource _stop;

        public SliceWatch(string selector, Reflector<AddressedEndpointSlice> reflector, CancellationToken stoppingToken)
        {
            Selector = selector;
            Reflector = reflector;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var token = _stop.Token;
            Completion = Task.Run(async () =>
            {
                try
                {
                    await reflector.RunAsync(token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
                finally
                {
                    _stop.Dispose();
                }
            }, CancellationToken.None);
        }

        /// <summary>The watch's loop, done once stopped.</summary>
        public Task Completion { get; }

        public string Selector { get; }

        public Reflector<AddressedEndpointSlice> Reflector { get; }

        // Disposed by the loop when it ends; cancelling twice, or after it ended, is harmless.
        public void Stop()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(900, LogLevel.Information, "Cluster checks: collecting from {ConfdPath} and Service annotations")]
        public static partial void Started(ILogger logger, string confdPath);

        [LoggerMessage(901, LogLevel.Debug, "Cluster checks: {Configs} configurations, {Problems} problems")]
        public static partial void Resolved(ILogger logger, int configs, int problems);

        [LoggerMessage(902, LogLevel.Warning, "Cluster check configuration skipped: {Problem}")]
        public static partial void Problem(ILogger logger, string problem);

        [LoggerMessage(903, LogLevel.Information, "Cluster check configuration fixed: {Problem}")]
        public static partial void ProblemGone(ILogger logger, string problem);

        [LoggerMessage(904, LogLevel.Error, "Cluster checks: resolving the sources failed; retrying at the next change")]
        public static partial void ResolveFailed(ILogger logger, Exception exception);
    }
}
