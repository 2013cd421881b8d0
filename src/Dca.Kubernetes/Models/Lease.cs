using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>A coordination.k8s.io/v1 Lease (leader election).</summary>
public sealed class Lease : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "coordination.k8s.io/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Lease";

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public LeaseSpec Spec { get; set; } = new();
}

public sealed class LeaseSpec
{
    [JsonPropertyName("holderIdentity")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HolderIdentity { get; set; }

    [JsonPropertyName("leaseDurationSeconds")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LeaseDurationSeconds { get; set; }

    [JsonPropertyName("acquireTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonPropertyName("renewTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RenewTime { get; set; }

    [JsonPropertyName("leaseTransitions")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LeaseTransitions { get; set; }
}
