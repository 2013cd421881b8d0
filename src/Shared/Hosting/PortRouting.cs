namespace Dca.Hosting;

/// <summary>
/// Separate route tables per listening port, chosen by the connection's local port (not the Host
/// header, which a Service or proxy may rewrite).
/// </summary>
internal static class PortRouting
{
    public static void MapPort(this WebApplication app, int port, Action<IEndpointRouteBuilder> map, RequestDelegate? fallback = null)
    {
        app.MapWhen(ctx => ctx.Connection.LocalPort == port, branch =>
        {
            branch.UseRouting();
            branch.UseEndpoints(map);
            if (fallback is not null)
            {
                branch.Run(fallback);
            }
        });
    }
}
