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
                if (!services.HasSynced)
                {
                    continue;
                }
                UpdateSliceWatch(stoppingToken);
                Resolve();
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
        }
    }

    private void Changed() => _changed.Writer.TryWrite(true);

    private static bool HasCheckAnnotations(Service service) => service.Metadata.Annotations is { } a
        && (ServiceChecks.HasAnnotations("service", a) || ServiceChecks.HasAnnotations("endpoints", a));

    /// <summary>Starts a slice watch for the current set of endpoints-checked services when it changed; swaps it in once listed.</summary>
    private void UpdateSliceWatch(CancellationToken stoppingToken)
    {
        if (_pendingSlices is { Reflector.HasSynced: true } listed)
        {
            _slices?.Stop();
            _slices = listed;
            _pendingSlices = null;
        }
        var names = _services!.Store.Items
            .Where(s => s.Metadata.Annotations is { } a && ServiceChecks.HasAnnotations("endpoints", a))
            .Select(s => s.Metadata.Name!)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var selector = names.Count == 0 ? null : $"{EndpointSlice.ServiceNameLabel} in ({string.Join(',', names)})";
        var wanted = _pendingSlices?.Selector ?? _slices?.Selector;
        if (selector == wanted)
        {
            return;
        }
        _pendingSlices?.Stop();
        _pendingSlices = null;
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
    private void Resolve()
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
        var fromFiles = configs.Count;
        var slices = (_slices?.Reflector.Store.Items ?? []).ToLookup(s => (s.Metadata.Namespace, s.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel)));
        foreach (var service in _services!.Store.Items.OrderBy(s => s.Metadata.Namespace, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            if (service.Metadata.Annotations is not { } annotations || !HasCheckAnnotations(service))
            {
                continue;
            }
            var ns = service.Metadata.Namespace ?? "default";
            var name = service.Metadata.Name ?? "";
            var clusterIp = service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None" ? ip : null;
            var ports = (service.Spec?.Ports ?? []).Select(p => (p.Name ?? "", p.Port)).ToList();
            if (ServiceChecks.HasAnnotations("service", annotations))
            {
                var (found, wrong) = ServiceChecks.ForService(ns, name, new CheckTarget(clusterIp, ports, ns), annotations);
                configs.AddRange(found);
                allProblems.AddRange(wrong);
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
                        var node = endpoint.TargetRef?.Kind == "Pod" && endpoint.NodeName is { Length: > 0 } n ? n : "";
                        var (found, wrong) = ServiceChecks.ForEndpoint(ns, name, address, node, new CheckTarget(address, slicePorts, ns), annotations);
                        configs.AddRange(found);
                        allProblems.AddRange(wrong.Where(p => !allProblems.Contains(p)));
                    }
                }
            }
        }
        var tagged = configs.Take(fromFiles).Concat(configs.Skip(fromFiles).Select(Tagged)).ToList();
        _dispatcher.SetConfigs(tagged);
        Report(allProblems);
        Interlocked.Increment(ref _resolutions);
        Log.Resolved(_logger, tagged.Count, allProblems.Count);
    }

    private CheckConfig Tagged(CheckConfig config) => _settings.ExtraTags.Count == 0 ? config : InstanceTags.Add(config, _settings.ExtraTags);

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
            _ = Task.Run(async () =>
            {
                try
                {
                    await reflector.RunAsync(token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }

        public string Selector { get; }

        public Reflector<AddressedEndpointSlice> Reflector { get; }

        // Not disposed: the reflector's loop may still be unwinding with the token.
        public void Stop() => _stop.Cancel();
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
    }
}
