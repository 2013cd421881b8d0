namespace Dca.Kubernetes.Models;

/// <summary>The resources the agents read and write.</summary>
public static class Resources
{
    private static readonly KubernetesJsonContext s_json = KubernetesJsonContext.Default;

    public static readonly ResourceKind<Pod> Pods = new()
    {
        Group = "", Version = "v1", Plural = "pods", Namespaced = true,
        ItemType = s_json.Pod, ListType = s_json.KubeListPod,
    };

    public static readonly ResourceKind<Node> Nodes = new()
    {
        Group = "", Version = "v1", Plural = "nodes", Namespaced = false,
        ItemType = s_json.Node, ListType = s_json.KubeListNode,
    };

    /// <summary>Nodes, metadata only: labels and annotations without status (much smaller lists).</summary>
    public static readonly ResourceKind<PartialObjectMetadata> NodeMetadata = new()
    {
        Group = "", Version = "v1", Plural = "nodes", Namespaced = false, MetadataOnly = true,
        ItemType = s_json.PartialObjectMetadata, ListType = s_json.KubeListPartialObjectMetadata,
    };

    public static readonly ResourceKind<Namespace> Namespaces = new()
    {
        Group = "", Version = "v1", Plural = "namespaces", Namespaced = false,
        ItemType = s_json.Namespace, ListType = s_json.KubeListNamespace,
    };

    public static readonly ResourceKind<PartialObjectMetadata> NamespaceMetadata = new()
    {
        Group = "", Version = "v1", Plural = "namespaces", Namespaced = false, MetadataOnly = true,
        ItemType = s_json.PartialObjectMetadata, ListType = s_json.KubeListPartialObjectMetadata,
    };

    public static readonly ResourceKind<Service> Services = new()
    {
        Group = "", Version = "v1", Plural = "services", Namespaced = true,
        ItemType = s_json.Service, ListType = s_json.KubeListService,
    };

    public static readonly ResourceKind<EndpointSlice> EndpointSlices = new()
    {
        Group = "discovery.k8s.io", Version = "v1", Plural = "endpointslices", Namespaced = true,
        ItemType = s_json.EndpointSlice, ListType = s_json.KubeListEndpointSlice,
    };

    /// <summary>EndpointSlices with addresses and ports (endpoints checks).</summary>
    public static readonly ResourceKind<AddressedEndpointSlice> AddressedEndpointSlices = new()
    {
        Group = "discovery.k8s.io", Version = "v1", Plural = "endpointslices", Namespaced = true,
        ItemType = s_json.AddressedEndpointSlice, ListType = s_json.KubeListAddressedEndpointSlice,
    };

    public static readonly ResourceKind<Endpoints> Endpoints = new()
    {
        Group = "", Version = "v1", Plural = "endpoints", Namespaced = true,
        ItemType = s_json.Endpoints, ListType = s_json.KubeListEndpoints,
    };

    public static readonly ResourceKind<Event> Events = new()
    {
        Group = "", Version = "v1", Plural = "events", Namespaced = true,
        ItemType = s_json.Event, ListType = s_json.KubeListEvent,
    };

    public static readonly ResourceKind<Lease> Leases = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Namespaced = true,
        ItemType = s_json.Lease, ListType = s_json.KubeListLease,
    };

    public static readonly ResourceKind<ConfigMap> ConfigMaps = new()
    {
        Group = "", Version = "v1", Plural = "configmaps", Namespaced = true,
        ItemType = s_json.ConfigMap, ListType = s_json.KubeListConfigMap,
    };

    public static readonly ResourceKind<ComponentStatus> ComponentStatuses = new()
    {
        Group = "", Version = "v1", Plural = "componentstatuses", Namespaced = false,
        ItemType = s_json.ComponentStatus, ListType = s_json.KubeListComponentStatus,
    };
}
