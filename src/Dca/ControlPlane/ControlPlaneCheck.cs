using System.Net;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Dca.Leader;
using Dca.Protocol.Intake;

namespace Dca.ControlPlane;

/// <summary>
/// Leader-only (PROTOCOL.md §6): every interval, the componentstatuses as the service check
/// <c>kube_apiserver_controlplane.up</c> tagged <c>component:&lt;name&gt;</c> (Healthy True → OK, False →
/// CRITICAL with the error, otherwise UNKNOWN). Where componentstatuses is gone or forbidden, the API
/// server's <c>/readyz</c> (OK "ok", else CRITICAL), without tags.
/// </summary>
internal sealed partial class ControlPlaneCheck(KubernetesClient client, IIntakeSink sink, TimeSpan interval, string? clusterName, ILogger<ControlPlaneCheck> logger) : ILeaderWork
{
    public const string CheckName = "kube_apiserver_controlplane.up";

    private long _runs;

    public string Name => "control-plane";

    public long Runs => Interlocked.Read(ref _runs);

    public async Task RunAsync(long term, CancellationToken termToken)
    {
        var time = client.TimeProvider;
        while (!termToken.IsCancellationRequested)
        {
            try
            {
                var checks = await CollectAsync(termToken);
                await sink.SendServiceChecksAsync(checks, termToken);
                Interlocked.Increment(ref _runs);
            }
            catch (Exception ex) when (!termToken.IsCancellationRequested)
            {
                Log.Failed(logger, ex.Message);
            }
            await Task.Delay(interval, time, termToken);
        }
    }

    internal async Task<List<ServiceCheck>> CollectAsync(CancellationToken cancellationToken)
    {
        var now = client.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        List<ComponentStatus> components;
        try
        {
            (components, _) = await client.ListAllAsync(Resources.ComponentStatuses, new ListOptions(), cancellationToken);
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed)
        {
            return [await ReadyzAsync(now, cancellationToken)];
        }
        if (components.Count == 0)
        {
            return [await ReadyzAsync(now, cancellationToken)];
        }
        var checks = new List<ServiceCheck>(components.Count);
        foreach (var component in components)
        {
            var healthy = component.Conditions?.FirstOrDefault(c => c.Type == "Healthy");
            var (status, message) = healthy?.Status switch
            {
                "True" => (ServiceCheck.Ok, healthy.Message),
                "False" => (ServiceCheck.Critical, healthy.Error is { Length: > 0 } error ? error : healthy.Message),
                _ => (ServiceCheck.Unknown, healthy?.Message),
            };
            checks.Add(new ServiceCheck
            {
                Check = CheckName,
                Status = status,
                Message = message,
                Timestamp = now,
                Tags = Tags("component:" + component.Metadata.Name),
            });
        }
        return checks;
    }

    private async Task<ServiceCheck> ReadyzAsync(long now, CancellationToken cancellationToken)
    {
        try
        {
            var body = (await client.GetTextAsync("/readyz", cancellationToken)).Trim();
            return new ServiceCheck { Check = CheckName, Timestamp = now, Tags = Tags(null), Status = body == "ok" ? ServiceCheck.Ok : ServiceCheck.Critical, Message = body == "ok" ? null : body };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ServiceCheck { Check = CheckName, Timestamp = now, Tags = Tags(null), Status = ServiceCheck.Critical, Message = ex.Message };
        }
    }

    private string[] Tags(string? tag) =>
        [.. new[] { tag, clusterName is { Length: > 0 } c ? "kube_cluster_name:" + c : null }.OfType<string>()];

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Warning, "Control-plane check failed: {Error}")]
        public static partial void Failed(ILogger logger, string error);
    }
}
