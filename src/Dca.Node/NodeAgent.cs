using System.Text;
using Dca.Hosting;
using Dca.Node.Collection;
using Dca.Node.Kubelet;
using Dca.Protocol.ClusterAgent;
using Dca.Protocol.Intake;

namespace Dca.Node;

/// <summary>Composes the node agent's host: kubelet collection, cluster-agent metadata, sinks, /metrics, health.</summary>
internal static class NodeAgent
{
    public static async Task<int> RunAsync(AgentContext ctx)
    {
        if (ctx.CommandLine.Positional.Count > 0)
        {
            throw new OptionException($"unknown command \"{ctx.CommandLine.Positional[0]}\" (see --help)");
        }
        var options = NodeOptions.Load(ctx.Options);
        var builder = AgentHost.CreateBuilder(options.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.BindAddress, options.HealthPortNumber);
            if (options.OpenMetricsPortNumber != 0)
            {
                k.Listen(options.BindAddress, options.OpenMetricsPortNumber);
            }
        });
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<HealthRegistry>();
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
        services.AddSingleton<SeriesShipper>();
        services.AddHostedService(sp => sp.GetRequiredService<SeriesShipper>());
        services.AddSingleton(sp => new NodeCollector(options, sp.GetRequiredService<KubeletClient>(), sp.GetService<ClusterMetadataSource>(),
            sp.GetRequiredService<SeriesShipper>(), sp.GetRequiredService<HealthRegistry>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NodeCollector>>()));
        services.AddHostedService(sp => sp.GetRequiredService<NodeCollector>());
        await using var app = builder.Build();
        app.MapHealth(app.Services.GetRequiredService<HealthRegistry>(), options.HealthPortNumber);
        if (options.OpenMetricsPortNumber != 0)
        {
            var collector = app.Services.GetRequiredService<NodeCollector>();
            app.MapPort(options.OpenMetricsPortNumber, routes => routes.MapGet("/metrics", async ctx =>
            {
                ctx.Response.ContentType = OpenMetricsWriter.ContentType;
                var self = new StringBuilder(2048);
                collector.WriteSelfMetrics(self);
                await ctx.Response.Body.WriteAsync(collector.Exposition, ctx.RequestAborted);
                await ctx.Response.WriteAsync(self.ToString(), ctx.RequestAborted);
            }), ctx =>
            {
                ctx.Response.StatusCode = 404;
                return ctx.Response.WriteAsync("404 page not found\n", ctx.RequestAborted);
            });
        }
        await app.StartAsync();
        StartupLog.Started(app.Logger, "dca-node", AgentProgram.ProductVersion, AgentHost.ListeningAddresses(app));
        await app.WaitForShutdownAsync();
        return 0;
    }
}
