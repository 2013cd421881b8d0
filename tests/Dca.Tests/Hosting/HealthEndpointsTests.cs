using System.Net;
using System.Text.Json;
using Dca.Hosting;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Dca.Tests.Hosting;

public class HealthEndpointsTests
{
    private static async Task<(WebApplication App, HttpClient Http, HealthRegistry Registry)> StartAsync()
    {
        var port = FreePort.Next();
        var builder = AgentHost.CreateBuilder(new AgentLogging.Settings(Microsoft.Extensions.Logging.LogLevel.Warning, false));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var registry = new HealthRegistry();
        var app = builder.Build();
        app.MapHealth(registry, port);
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") }, registry);
    }

    [Fact]
    public async Task Ready_ComponentNotSynced_Answers500NamingIt()
    {
        var (app, http, registry) = await StartAsync().WithTimeout();
        await using var _ = app;
        registry.Register("apiserver");

        using var response = await http.GetAsync(new Uri("/ready", UriKind.Relative)).WithTimeout();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("apiserver: starting", body.RootElement.GetProperty("Unhealthy")[0].GetString());
    }

    [Fact]
    public async Task Probes_AllHealthy_Answer200()
    {
        var (app, http, registry) = await StartAsync().WithTimeout();
        await using var _ = app;
        registry.Register("apiserver").Healthy();

        foreach (var path in new[] { "/live", "/ready", "/startup", "/anything-else" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative)).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Live_UnhealthyButNotDead_StaysUp()
    {
        var (app, http, registry) = await StartAsync().WithTimeout();
        await using var _ = app;
        var component = registry.Register("informer");
        component.Healthy();
        component.Unhealthy("watch failing");

        using var live = await http.GetAsync(new Uri("/live", UriKind.Relative)).WithTimeout();
        using var ready = await http.GetAsync(new Uri("/ready", UriKind.Relative)).WithTimeout();
        using var startup = await http.GetAsync(new Uri("/startup", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, startup.StatusCode);
    }

    [Fact]
    public async Task Live_DeadComponent_Answers500()
    {
        var (app, http, registry) = await StartAsync().WithTimeout();
        await using var _ = app;
        registry.Register("informer").Dead("loop crashed");

        using var live = await http.GetAsync(new Uri("/live", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, live.StatusCode);
    }
}
