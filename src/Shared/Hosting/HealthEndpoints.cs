using System.Text.Json;

namespace Dca.Hosting;

/// <summary>
/// The health port (plain HTTP): <c>/live</c>, <c>/ready</c>, <c>/startup</c>; like the Datadog agents,
/// any other path answers as liveness. 200 with the health JSON, 500 when the probe fails.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app, HealthRegistry registry, int port)
    {
        app.MapPort(port, endpoints =>
        {
            endpoints.MapGet("/ready", (HttpContext ctx) => Write(ctx, registry.Report(), r => r.IsReady));
            endpoints.MapGet("/startup", (HttpContext ctx) => Write(ctx, registry.Report(), r => r.IsStarted));
        }, ctx => Write(ctx, registry.Report(), r => r.IsLive));
    }

    private static Task Write(HttpContext ctx, HealthReport report, Func<HealthReport, bool> passes)
    {
        ctx.Response.StatusCode = passes(report) ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
        ctx.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, report, HealthJsonContext.Default.HealthReport, ctx.RequestAborted);
    }
}
