using Dca.ExternalMetrics;

namespace Dca.Api;

/// <summary>
/// Gives routing's 405 the reason it lacks. A known path asked with another method (PUT /version, HEAD, OPTIONS,
/// TRACE) is answered by ASP.NET Core's routing with 405, an <c>Allow</c> header and an empty body; the house rule is
/// a 4xx with a reason (Go's mux writes <c>Method Not Allowed</c>). On the external-metrics port the reason is a
/// Kubernetes <c>Status</c>, as every other answer there.
/// </summary>
internal static class MethodNotAllowedReason
{
    /// <summary>The longest method echoed (Kestrel takes any token up to the request line's limit).</summary>
    private const int MaxMethodEchoed = 32;

    public static void UseMethodNotAllowedReason(this WebApplication app, int? kubernetesStatusPort)
    {
        app.Use(async (context, next) =>
        {
            await next(context);
            var response = context.Response;
            if (response.StatusCode != StatusCodes.Status405MethodNotAllowed || response.HasStarted)
            {
                return;
            }
            var method = context.Request.Method;
            var message = $"method {(method.Length > MaxMethodEchoed ? method[..MaxMethodEchoed] : method)} is not allowed on this path (allowed: {response.Headers.Allow})";
            await (context.Connection.LocalPort == kubernetesStatusPort
                ? ExternalMetricsApi.Status(context, StatusCodes.Status405MethodNotAllowed, "MethodNotAllowed", message)
                : ApiEndpoint.WriteError(context, StatusCodes.Status405MethodNotAllowed, message));
        });
    }
}
