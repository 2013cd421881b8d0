using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Metadata;

namespace Dca.Api;

/// <summary>
/// The cluster id served at <c>/api/v1/cluster/id</c>: the kube-system namespace's UID, persisted in
/// the ConfigMap <c>datadog-cluster-id</c> (key <c>id</c>) in the agent's namespace so it survives a
/// re-created kube-system (PROTOCOL.md §1.3). An existing ConfigMap wins, so replicas agree.
/// </summary>
internal sealed partial class ClusterIdentity(KubernetesClient client, DcaOptions options, ILogger<ClusterIdentity> logger) : BackgroundService
{
    public const string ConfigMapName = "datadog-cluster-id";
    public const string Key = "id";

    private volatile byte[]? _body;
    private volatile string? _error;

    public string? Id { get; private set; }

    public byte[]? Body => _body;

    public string? Error => _error;

    public string Namespace => options.ResourcesNamespaceName ?? client.DefaultNamespace ?? "default";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var id = await ResolveAsync(stoppingToken);
                Id = id;
                _body = MetadataBodies.String(id);
                _error = null;
                Log.Resolved(logger, id, Namespace);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _error = "cannot determine the cluster id: " + ex.Message;
                Log.Failed(logger, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, client.TimeProvider, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 60));
            }
        }
    }

    private async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        var existing = await client.TryGetAsync(Resources.ConfigMaps, Namespace, ConfigMapName, cancellationToken);
        if (existing?.Data?.GetValueOrDefault(Key) is { Length: > 0 } stored)
        {
            return stored;
        }
        var kubeSystem = await client.GetAsync(Resources.Namespaces, null, "kube-system", cancellationToken);
        var uid = kubeSystem.Metadata.Uid is { Length: > 0 } u ? u : throw new InvalidOperationException("namespace kube-system has no uid");
        try
        {
            if (existing is null)
            {
                await client.CreateAsync(Resources.ConfigMaps, new ConfigMap
                {
                    Metadata = new ObjectMeta { Name = ConfigMapName, Namespace = Namespace },
                    Data = new Dictionary<string, string> { [Key] = uid },
                }, cancellationToken);
            }
            else
            {
                existing.Data ??= [];
                existing.Data[Key] = uid;
                await client.UpdateAsync(Resources.ConfigMaps, existing, cancellationToken);
            }
            return uid;
        }
        catch (KubernetesApiException ex) when (ex.IsAlreadyExists || ex.IsConflict)
        {
            // Another replica wrote it first: use its value.
            var winner = await client.GetAsync(Resources.ConfigMaps, Namespace, ConfigMapName, cancellationToken);
            return winner.Data?.GetValueOrDefault(Key) is { Length: > 0 } id ? id : uid;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information, "Cluster id {ClusterId} (ConfigMap datadog-cluster-id in namespace {Namespace})")]
        public static partial void Resolved(ILogger logger, string clusterId, string @namespace);

        [LoggerMessage(301, LogLevel.Warning, "Cannot determine the cluster id: {Error}; retrying in {DelaySeconds} s")]
        public static partial void Failed(ILogger logger, string error, double delaySeconds);
    }
}
