using Dca.Hosting;

namespace Dca.Node;

/// <summary>Composes the node agent's host.</summary>
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
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.BindAddress, options.HealthPortNumber));
        builder.Services.AddSingleton<HealthRegistry>();
        await using var app = builder.Build();
        app.MapHealth(app.Services.GetRequiredService<HealthRegistry>(), options.HealthPortNumber);
        await app.StartAsync();
        StartupLog.Started(app.Logger, "dca-node", AgentProgram.ProductVersion, AgentHost.ListeningAddresses(app));
        await app.WaitForShutdownAsync();
        return 0;
    }
}
