using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;

namespace Dca;

/// <summary>Composes the cluster agent's host: options, Kubernetes client, ports and services.</summary>
internal static class ClusterAgent
{
    public static async Task<int> RunAsync(AgentContext ctx)
    {
        if (ctx.CommandLine.Positional.Count > 0)
        {
            throw new OptionException($"unknown command \"{ctx.CommandLine.Positional[0]}\" (see --help)");
        }
        var options = DcaOptions.Load(ctx.Options);
        var time = TimeProvider.System;
        ClusterEndpoint endpoint;
        try
        {
            endpoint = ClusterEndpointResolver.Resolve(options.KubeconfigPath, options.KubeContext, ctx.Options.Environment, time);
        }
        catch (KubeConfigException ex)
        {
            throw new OptionException(ex.Message);
        }

        var builder = AgentHost.CreateBuilder(options.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.BindAddress, options.HealthPortNumber);
        });
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<HealthRegistry>();
        builder.Services.AddSingleton(sp => new KubernetesClient(endpoint,
            new KubernetesClientOptions { UserAgent = $"dca/{AgentProgram.ProductVersion.Split('+')[0]}" },
            sp.GetRequiredService<ILoggerFactory>(), time));
        builder.Services.AddHostedService<ApiServerProbe>();

        await using var app = builder.Build();
        app.MapHealth(app.Services.GetRequiredService<HealthRegistry>(), options.HealthPortNumber);
        await app.StartAsync();
        StartupLog.Started(app.Logger, "dca", AgentProgram.ProductVersion, AgentHost.ListeningAddresses(app));
        await app.WaitForShutdownAsync();
        return 0;
    }
}
