using Dca.Kubernetes.Client;

namespace Dca.Hosting;

/// <summary>
/// Checks that the API server answers (<c>GET /version</c>) at start and every
/// <see cref="Interval"/>, and reports it as the <c>apiserver</c> health component.
/// </summary>
internal sealed partial class ApiServerProbe(KubernetesClient client, HealthRegistry health, ILogger<ApiServerProbe> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly HealthComponent _component = health.Register("apiserver");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = client.TimeProvider;
        var logged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var version = await client.GetServerVersionAsync(stoppingToken);
                if (!logged)
                {
                    Log.Connected(logger, client.Endpoint.ShownServer, version.GitVersion ?? "unknown", client.Endpoint.Description);
                    logged = true;
                }
                _component.Healthy();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _component.Unhealthy(ex.Message);
                Log.Unreachable(logger, client.Endpoint.ShownServer, ex.Message);
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Connected to the Kubernetes API at {Server} ({Version}) using {Source}")]
        public static partial void Connected(ILogger logger, string server, string version, string source);

        [LoggerMessage(11, LogLevel.Warning, "The Kubernetes API at {Server} is unreachable: {Error}")]
        public static partial void Unreachable(ILogger logger, string server, string error);
    }
}
