
namespace Dca.Hosting;

/// <summary>Builds the slim ASP.NET Core host every long-running binary uses.</summary>
internal static class AgentHost
{
    /// <summary>
    /// Graceful-stop budget. Kubernetes sends SIGTERM and the binaries promise to be gone within 5 s;
    /// the host gets 4 s for its services so the process exits with a second to spare.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    public static WebApplicationBuilder CreateBuilder(AgentLogging.Settings logging)
    {
        // No args and no content root probing: configuration comes from our validated options only.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        AgentLogging.Configure(builder.Logging, logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        return builder;
    }

    /// <summary>The addresses Kestrel actually bound (ports chosen by the OS included).</summary>
    public static string ListeningAddresses(WebApplication app) =>
        string.Join(", ", app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? []);
}
