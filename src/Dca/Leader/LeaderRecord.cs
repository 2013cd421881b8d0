using System.Text.Json.Serialization;

namespace Dca.Leader;

/// <summary>
/// client-go's leader election record, the same in both locks: a Lease's spec, or the JSON in a
/// ConfigMap's <c>control-plane.alpha.kubernetes.io/leader</c> annotation (Datadog's cluster agent
/// uses the latter by default, so a rolling replacement of it hands leadership over cleanly).
/// </summary>
internal sealed record LeaderRecord(
    [property: JsonPropertyName("holderIdentity")] string HolderIdentity,
    [property: JsonPropertyName("leaseDurationSeconds")] int LeaseDurationSeconds,
    [property: JsonPropertyName("acquireTime")] DateTimeOffset AcquireTime,
    [property: JsonPropertyName("renewTime")] DateTimeOffset RenewTime,
    [property: JsonPropertyName("leaderTransitions")] int LeaderTransitions);

/// <summary>
/// The record as read, with the object's resourceVersion for an optimistic update, and a fingerprint
/// that changes whenever the stored record changes (client-go compares the raw record).
/// </summary>
internal sealed record LockState(LeaderRecord Record, string ResourceVersion, string Fingerprint);

/// <summary>Where the record lives: a Lease or a ConfigMap.</summary>
internal interface ILeaderLock
{
    /// <summary>"lease default/datadog-leader-election", for logs and status.</summary>
    string Description { get; }

    /// <summary>The current record; null when the object does not exist (or carries no record).</summary>
    Task<LockState?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the object with <paramref name="record"/>; false when someone else created it first.</summary>
    Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record if the object is still at <paramref name="resourceVersion"/>; false on a conflict.</summary>
    Task<bool> UpdateAsync(LeaderRecord record, string resourceVersion, CancellationToken cancellationToken);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LeaderRecord))]
internal sealed partial class LeaderJsonContext : JsonSerializerContext;
