using System.Globalization;
using System.Net;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Events;

/// <summary>Where event collection resumes: the last resourceVersion sent and the time of the last full list.</summary>
internal sealed record EventPosition(string ResourceVersion, DateTimeOffset? LastList);

/// <summary>
/// The resume token in ConfigMap <c>datadogtoken</c> (<c>DD_CLUSTER_AGENT_TOKEN_NAME</c>), keys
/// <c>event.tokenKey</c> and <c>event.tokenTimestamp</c>, as Datadog's cluster agent keeps it, so a new
/// leader (ours or Datadog's) resumes where the last one stopped.
/// </summary>
internal sealed class EventTokenStore(KubernetesClient client, string ns, string name)
{
    // The ConfigMap as last read: the write at the end of a run starts from it instead of fetching
    // it again (a conflict re-reads). One collector uses a store, one run at a time.
    private ConfigMap? _lastRead;

    public const string TokenKey = "event.tokenKey";
    public const string TimestampKey = "event.tokenTimestamp";

    public string Description => $"configmap {ns}/{name}";

    public async Task<EventPosition> ReadAsync(CancellationToken cancellationToken)
    {
        var map = _lastRead = await client.TryGetAsync(Resources.ConfigMaps, ns, name, cancellationToken);
        var data = map?.Data;
        var rv = data?.GetValueOrDefault(TokenKey) ?? "";
        DateTimeOffset? listed = DateTimeOffset.TryParse(data?.GetValueOrDefault(TimestampKey), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        return new EventPosition(rv, listed);
    }

    /// <summary>Saves the position; creates the ConfigMap when missing, keeps its other keys.</summary>
    public async Task WriteAsync(EventPosition position, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var map = attempt == 0 && _lastRead is not null ? _lastRead : await client.TryGetAsync(Resources.ConfigMaps, ns, name, cancellationToken);
            _lastRead = null;
            var data = map?.Data ?? [];
            data[TokenKey] = position.ResourceVersion;
            data[TimestampKey] = position.LastList?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
            try
            {
                if (map is null)
                {
                    await client.CreateAsync(Resources.ConfigMaps, new ConfigMap { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Data = data }, cancellationToken);
                }
                else
                {
                    map.Data = data;
                    await client.UpdateAsync(Resources.ConfigMaps, map, cancellationToken);
                }
                return;
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone else wrote it in between: read again and retry.
            }
        }
        throw new InvalidOperationException($"{Description}: conflicting writes, position not saved");
    }
}
