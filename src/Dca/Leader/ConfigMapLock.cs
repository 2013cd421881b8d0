using System.Net;
using System.Text.Json;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Leader;

/// <summary>
/// The record as JSON in the <c>control-plane.alpha.kubernetes.io/leader</c> annotation of a ConfigMap,
/// as client-go's ConfigMapLock (and Datadog's cluster agent by default) keeps it.
/// </summary>
internal sealed class ConfigMapLock(KubernetesClient client, string ns, string name) : ILeaderLock
{
    public const string RecordAnnotation = "control-plane.alpha.kubernetes.io/leader";

    // The ConfigMap as last read: an update right after the read (the renewal path) writes it back
    // instead of fetching it again. Only the elector's loop uses a lock, one call at a time.
    private ConfigMap? _lastRead;

    public string Description => $"configmap {ns}/{name}";

    public async Task<LockState?> GetAsync(CancellationToken cancellationToken)
    {
        var map = _lastRead = await client.TryGetAsync(Resources.ConfigMaps, ns, name, cancellationToken);
        if (map?.Metadata.Annotations?.GetValueOrDefault(RecordAnnotation) is not { Length: > 0 } json)
        {
            // An existing ConfigMap without a record is taken as free: updating it adds the record.
            return map is null ? null : new LockState(new LeaderRecord("", 0, default, default, 0), map.Metadata.ResourceVersion ?? "", "");
        }
        LeaderRecord record;
        try
        {
            record = JsonSerializer.Deserialize(json, LeaderJsonContext.Default.LeaderRecord)
                ?? throw new JsonException("null record");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{Description}: unreadable {RecordAnnotation} annotation: {e.Message}", e);
        }
        return new LockState(record, map.Metadata.ResourceVersion ?? "", json);
    }

    public async Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateAsync(Resources.ConfigMaps, Map(record), cancellationToken);
            return true;
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderRecord record, string resourceVersion, CancellationToken cancellationToken)
    {
        // Read-modify-write keeps the ConfigMap's other annotations and data; the resourceVersion
        // makes the server refuse it (409) if anything changed since the record was read.
        var map = _lastRead?.Metadata.ResourceVersion == resourceVersion
            ? _lastRead
            : await client.TryGetAsync(Resources.ConfigMaps, ns, name, cancellationToken);
        _lastRead = null;
        if (map is null || map.Metadata.ResourceVersion != resourceVersion)
        {
            return false;
        }
        map.Metadata.Annotations ??= [];
        map.Metadata.Annotations[RecordAnnotation] = Serialize(record);
        try
        {
            await client.UpdateAsync(Resources.ConfigMaps, map, cancellationToken);
            return true;
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private ConfigMap Map(LeaderRecord record) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = ns,
            Annotations = new() { [RecordAnnotation] = Serialize(record) },
        },
    };

    // client-go writes metav1.Time: RFC 3339 with whole seconds.
    private static string Serialize(LeaderRecord record) => JsonSerializer.Serialize(
        record with { AcquireTime = Truncate(record.AcquireTime), RenewTime = Truncate(record.RenewTime) },
        LeaderJsonContext.Default.LeaderRecord);

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
