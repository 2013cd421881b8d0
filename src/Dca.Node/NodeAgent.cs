using System.Text;
using System.Text.Json;
using Dca.Hosting;
using Dca.Node.Checks;
using Dca.Node.Collection;
using Dca.Node.Http;
using Dca.Node.Kubelet;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.Intake;

namespace Dca.Node;

/// <summary>
/// Composes the node agent: kubelet collection, cluster-agent metadata, sinks, and its two plain-HTTP
/// ports (health, /metrics) on <see cref="PlainHttpServer"/> rather than an HTTP server framework,
/// which would cost megabytes of resident memory on every node.
/// </summary>
internal static class NodeAgent
{
    public static async Task<int> RunAsync(AgentContext ctx)
    {
        if (ctx.CommandLine.Positional.Count > 0)
        {
            throw new OptionException($"unknown command \"{ctx.CommandLine.Positional[0]}\" (see --help)");
        }
        var options = NodeOptions.Load(ctx.Options);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        AgentLogging.Configure(builder.Logging, options.Logging);
        var services = builder.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = AgentHost.ShutdownTimeout);
        // SIGTERM/SIGINT stop the host (the empty builder registers no lifetime of its own).
        services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<HealthRegistry>();
        services.AddSingleton<PlainHttpServer>();
        services.AddSingleton(_ => new KubeletClient(options.Kubelet));
        if (options.ClusterAgent is { } clusterAgent)
        {
            services.AddSingleton(sp => new ClusterAgentClient(clusterAgent, sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton(sp => new ClusterMetadataSource(sp.GetRequiredService<ClusterAgentClient>(), options.Node, options.MetadataPeriod,
                !options.Tagging.NamespaceLabels.IsEmpty, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ClusterMetadataSource>>()));
        }
        services.AddSingleton<IIntakeSink>(sp => options.ApiKeyValue is { } apiKey
            ? new DatadogIntakeSink(new IntakeSinkOptions { ApiKey = apiKey, BaseUri = options.IntakeUri },
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DatadogIntakeSink>>())
            : new JsonLinesSink(Console.Out));
        // A collection's garbage (pod list, stats, payloads) and a scrape's are bursts: compact after each one
        // so the resident size stays at what the agent keeps (a few ms each, at most once a second).
        var compactor = new BurstCompactor(TimeProvider.System);
        Action? afterBurst = options.TrimWorkingSet ? compactor.AfterBurst : null;
        if (options.PushedMetrics.Count > 0)
        {
            services.AddSingleton(sp => new ClusterAgentSeriesPusher(sp.GetRequiredService<ClusterAgentClient>(), options.PushedMetrics,
                sp.GetRequiredService<ILogger<ClusterAgentSeriesPusher>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ClusterAgentSeriesPusher>());
        }
        services.AddSingleton(sp => new SeriesShipper(sp.GetRequiredService<IIntakeSink>(), sp.GetRequiredService<ILogger<SeriesShipper>>(), afterBurst)
        {
            AlsoTo = sp.GetService<ClusterAgentSeriesPusher>() is { } pusher ? pusher.Offer : null,
        });
        services.AddHostedService(sp => sp.GetRequiredService<SeriesShipper>());
        services.AddSingleton(sp => new NodeCollector(options, sp.GetRequiredService<KubeletClient>(), sp.GetService<ClusterMetadataSource>(),
            sp.GetRequiredService<SeriesShipper>(), sp.GetRequiredService<HealthRegistry>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NodeCollector>>()));
        services.AddHostedService(sp => sp.GetRequiredService<NodeCollector>());
        if (options.ClusterChecks || options.EndpointsChecks)
        {
            services.AddSingleton(sp =>
            {
                var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger<CheckScheduler>();
                CheckScheduler Scheduler(string kind) => new(kind, options.Host, sp.GetRequiredService<IIntakeSink>(), sp.GetRequiredService<SeriesShipper>(), TimeProvider.System, logger);
                return new ClusterCheckRunner(sp.GetRequiredService<ClusterAgentClient>(), options.Host, options.Node, options.ClusterChecks, options.EndpointsChecks,
                    Scheduler("cluster checks"), Scheduler("endpoints checks"), TimeProvider.System, sp.GetRequiredService<ILogger<ClusterCheckRunner>>());
            });
            services.AddHostedService(sp => sp.GetRequiredService<ClusterCheckRunner>());
        }
        using var host = builder.Build();

        // The container disposes the server (it stops listening) when the host is disposed.
        var http = host.Services.GetRequiredService<PlainHttpServer>();
        var health = host.Services.GetRequiredService<HealthRegistry>();
        var collector = host.Services.GetRequiredService<NodeCollector>();
        List<string> addresses = [http.Listen(options.BindAddress, options.HealthPortNumber, path => Health(health, path))];
        if (options.OpenMetricsPortNumber != 0)
        {
            addresses.Add(http.Listen(options.BindAddress, options.OpenMetricsPortNumber, path => path == "/metrics"
                ? new PlainResponse(200, OpenMetricsWriter.ContentType, async (stream, ct) =>
                {
                    await OpenMetricsWriter.WriteAsync(collector.Last, stream, ct);
                    var self = new StringBuilder(4096);
                    collector.WriteSelfMetrics(self);
                    host.Services.GetService<ClusterCheckRunner>()?.WriteSelfMetrics(self);
                    host.Services.GetService<ClusterAgentSeriesPusher>()?.WriteSelfMetrics(self);
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(self.ToString()), ct);
                    await stream.FlushAsync(ct);
                    afterBurst?.Invoke();
                })
                : PlainResponse.Text(404, "404 page not found\n")));
        }
        await host.StartAsync();
        StartupLog.Started(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("dca-node"), "dca-node", AgentProgram.ProductVersion,
            string.Join(", ", addresses));
        await host.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The health port, as the Datadog agents answer it: /ready, /startup, and liveness on any other path.</summary>
    private static PlainResponse Health(HealthRegistry registry, string path)
    {
        var report = registry.Report();
        var passes = path switch
        {
            "/ready" => report.IsReady,
            "/startup" => report.IsStarted,
            _ => report.IsLive,
        };
        return new PlainResponse(passes ? 200 : 500, "application/json",
            (stream, ct) => JsonSerializer.SerializeAsync(stream, report, HealthJsonContext.Default.HealthReport, ct));
    }
}
