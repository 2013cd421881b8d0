using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>Source-generated JSON for the trimmed Kubernetes models (no reflection: native AOT safe).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(KubeList<Pod>))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(KubeList<Node>))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(KubeList<Namespace>))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(KubeList<Service>))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(KubeList<EndpointSlice>))]
[JsonSerializable(typeof(AddressedEndpointSlice))]
[JsonSerializable(typeof(KubeList<AddressedEndpointSlice>))]
[JsonSerializable(typeof(Endpoints))]
[JsonSerializable(typeof(KubeList<Endpoints>))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(KubeList<Event>))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(KubeList<Lease>))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(KubeList<ConfigMap>))]
[JsonSerializable(typeof(ComponentStatus))]
[JsonSerializable(typeof(KubeList<ComponentStatus>))]
[JsonSerializable(typeof(PartialObjectMetadata))]
[JsonSerializable(typeof(KubeList<PartialObjectMetadata>))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(ServerVersion))]
public sealed partial class KubernetesJsonContext : JsonSerializerContext;
