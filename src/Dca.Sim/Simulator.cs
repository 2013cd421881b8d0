using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Dca.Hosting;
using Dca.Sim.Api;
using Dca.Sim.Faults;
using Dca.Sim.Kubelet;
using Dca.Sim.Scenarios;
using Dca.Sim.Store;
using Dca.Sim.Tls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dca.Sim;

/// <summary>
/// A running simulated cluster: the Kubernetes API on 127.0.0.1, a kubelet per node on
/// 127.1.x.y, the generated scenario, and the ground truth (<see cref="Store"/>) for tests to
/// compare a client's view against. Dispose to stop it.
/// </summary>
public sealed partial class Simulator : IAsyncDisposable
{
    private readonly ApiContext _api;
    private readonly CertificateAuthority _ca;
    private readonly CertificateAuthority _frontProxyCa;
    private readonly ClusterScenarioHolder _scenario = new();
    private readonly List<WebApplication> _hosts = [];
    private readonly CancellationTokenSource _stopping = new();
    private ActivityRunner? _activity;

    /// <summary>The churn and event rates in force (they start as the scenario's; <c>POST /sim/activity</c> changes them).</summary>
    public ActivityRates Activity { get; }
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private Simulator(SimulatorOptions options)
    {
        Options = options;
        Token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var identities = new Dictionary<string, string>(StringComparer.Ordinal) { [Token] = "admin" };
        foreach (var (name, token) in options.ExtraTokens)
        {
            identities[token] = name;
        }
        Activity = new ActivityRates(options.Scenario.ChurnPerSecond, options.Scenario.EventsPerSecond);
        Store = new ObjectStore(options.HistoryCapacity, options.Time, options.Scenario.Seed);
        // Certificates live in the real world (clients check them against the wall clock), not in the simulated time.
        _ca = new CertificateAuthority(TimeProvider.System);
        _frontProxyCa = new CertificateAuthority(TimeProvider.System, "dca-sim-front-proxy-ca");
        _api = new ApiContext
        {
            Store = Store,
            Faults = new FaultInjector(options.Faults),
            Audit = new AuditLog(),
            Tokens = new TokenAuthenticator(identities),
            Time = options.Time,
            Logger = _logger,
            BookmarkInterval = options.BookmarkInterval,
            AllowAnonymous = options.PlainHttp,
            Stopping = _stopping.Token,
            Activity = Activity,
        };
    }

    /// <summary>The options it was started with.</summary>
    public SimulatorOptions Options { get; }

    /// <summary>The ground truth: every object the API serves.</summary>
    public ObjectStore Store { get; }

    /// <summary>The API server's base address, e.g. https://127.0.0.1:41234.</summary>
    public Uri ApiUri { get; private set; } = null!;

    /// <summary>The kubeconfig that reaches the API server (server, CA data, token).</summary>
    public string KubeconfigPath { get; private set; } = null!;

    /// <summary>The kubeconfig's bearer token (identity "admin"), also accepted by the kubelets.</summary>
    public string Token { get; }

    /// <summary>The kubelets' shared port (0 when kubelets are off).</summary>
    public int KubeletPort { get; private set; }

    /// <summary>The CA certificate (PEM) that signed the API server's and kubelets' certificates.</summary>
    public string CaCertificatePem => _ca.CertificatePem;

    /// <summary>Starts a simulator: binds its ports, generates the scenario, writes the kubeconfig.</summary>
    public static async Task<Simulator> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        var sim = new Simulator(options);
        try
        {
            await sim.StartCoreAsync(cancellationToken);
            return sim;
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var logging = new AgentLogging.Settings(Options.LogLevel, Options.LogJson);
        var kubelet = new KubeletHandler(_scenario, _api.Tokens, _api.Audit, _api.Faults, Options.Time);
        if (Options.Kubelets)
        {
            var host = BuildHost(logging, k => k.Listen(IPAddress.Any, Options.KubeletPort, listen =>
            {
                // One port for every node: only loopback connections, and the local address picks the node.
                listen.Use(next => connection =>
                    connection.LocalEndPoint is IPEndPoint { Address: var a } && IPAddress.IsLoopback(a) ? next(connection) : Task.CompletedTask);
                listen.UseHttps(https => https.ServerCertificateSelector = (connection, _) => KubeletCertificate(connection?.LocalEndPoint));
            }));
            host.Run(kubelet.HandleAsync);
            await host.StartAsync(ct);
            KubeletPort = BoundPort(host);
        }
        var api = BuildHost(logging, k => k.Listen(IPAddress.Loopback, Options.ApiPort, listen =>
        {
            listen.Protocols = Options.PlainHttp ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (!Options.PlainHttp)
            {
                listen.UseHttps(_ca.Issue("dca-sim-apiserver", ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"], [IPAddress.Loopback, IPAddress.IPv6Loopback]));
            }
        }));
        _logger = api.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dca.Sim");
        var handler = new ApiHandler(_api);
        _api.NodeProxy = Options.Kubelets ? kubelet.ProxyAsync : null;
        api.Run(handler.HandleAsync);
        await api.StartAsync(ct);
        var apiPort = BoundPort(api);
        ApiUri = new Uri((Options.PlainHttp ? "http" : "https") + "://127.0.0.1:" + apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Log.ApiListening(_logger, ApiUri);
        if (Options.Kubelets)
        {
            Log.KubeletsListening(_logger, KubeletPort);
        }

        var watch = Stopwatch.StartNew();
        var scenario = new ClusterScenario(Options.Scenario, Store, Options.Time, KubeletPort, _logger);
        scenario.Load();
        _scenario.Scenario = scenario;
        _api.ScenarioState = scenario.State;
        var state = scenario.State();
        Log.GcAfterLoad(_logger, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), (long)GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalMemory(false));
        Log.ScenarioLoaded(_logger, scenario.Model.Nodes.Count, state["pods"], state["services"], watch.ElapsedMilliseconds, Store.ResourceVersion);

        PublishAuthentication();
        _api.Aggregator = new Aggregator(Store, _frontProxyCa.IssueClient(Aggregator.FrontProxyClientName));

        KubeconfigPath = Path.GetFullPath(Options.KubeconfigPath
            ?? Path.Combine(Directory.CreateTempSubdirectory("dca-sim-").FullName, "kubeconfig"));
        KubeconfigWriter.Write(KubeconfigPath, ApiUri, _ca.CertificatePem, Token);
        Log.KubeconfigWritten(_logger, KubeconfigPath);

        if (Options.RunActivity)
        {
            _activity = new ActivityRunner(scenario, Activity, Options.Time, _logger);
            _activity.Start();
        }
    }

    /// <summary>
    /// What kube-apiserver publishes for aggregated API servers and webhooks: ConfigMap
    /// <c>kube-system/extension-apiserver-authentication</c> with the client CA and the front-proxy (request-header) CA,
    /// the allowed front-proxy names and the headers it puts the caller in.
    /// </summary>
    private void PublishAuthentication()
    {
        var data = new System.Text.Json.Nodes.JsonObject
        {
            ["client-ca-file"] = _ca.CertificatePem,
            ["requestheader-client-ca-file"] = _frontProxyCa.CertificatePem,
            ["requestheader-allowed-names"] = "[\"" + Aggregator.FrontProxyClientName + "\"]",
            ["requestheader-username-headers"] = "[\"X-Remote-User\"]",
            ["requestheader-group-headers"] = "[\"X-Remote-Group\"]",
            ["requestheader-extra-headers-prefix"] = "[\"X-Remote-Extra-\"]",
        };
        Store.Create(ResourceTypes.ConfigMaps, "kube-system", new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system" },
            ["data"] = data,
        });
    }

    private WebApplication BuildHost(AgentLogging.Settings logging, Action<KestrelServerOptions> kestrel)
    {
        var builder = AgentHost.CreateBuilder(logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            kestrel(k);
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Limits.MinResponseDataRate = null;
        });
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2 KubeletCertificate(EndPoint? local)
    {
        var address = (local as IPEndPoint)?.Address ?? IPAddress.Loopback;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var index = ClusterModel.NodeIndex(address);
        var name = _scenario.Scenario is { } s && index >= 0 && index < s.Model.Nodes.Count ? s.Model.Nodes[index].Name : "localhost";
        return _ca.Issue(name, [name, "localhost"], [address, IPAddress.Loopback]);
    }

    private static int BoundPort(WebApplication host)
    {
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
    }

    /// <summary>Stops the activity, ends the watches, stops both servers.</summary>
    public async ValueTask DisposeAsync()
    {
        Log.Stopping(_logger);
        if (_activity is not null)
        {
            await _activity.DisposeAsync();
        }
        await _stopping.CancelAsync();
        Store.CloseWatches();
        foreach (var host in _hosts)
        {
            try
            {
                await host.StopAsync(CancellationToken.None);
            }
            finally
            {
                await host.DisposeAsync();
            }
        }
        _ca.Dispose();
        _frontProxyCa.Dispose();
        _api.Aggregator?.Dispose();
        _stopping.Dispose();
    }
}
