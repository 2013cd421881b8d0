namespace Dca.Sim.Store;

/// <summary>The built-in resources the simulator serves.</summary>
public static class ResourceTypes
{
    /// <summary>core/v1 namespaces.</summary>
    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "Namespace", false, ["ns"],
        [new("status.phase")]);

    /// <summary>core/v1 nodes.</summary>
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "Node", false, ["no"],
        [new("spec.unschedulable")]);

    /// <summary>core/v1 pods.</summary>
    public static readonly ResourceType Pods = new("", "v1", "pods", "Pod", true, ["po"],
        [
            new("spec.nodeName"), new("spec.restartPolicy"), new("spec.schedulerName"),
            new("spec.serviceAccountName"), new("status.phase"), new("status.podIP"),
            new("status.nominatedNodeName"),
        ],
        ["all"]);

    /// <summary>core/v1 services.</summary>
    public static readonly ResourceType Services = new("", "v1", "services", "Service", true, ["svc"],
        [new("spec.clusterIP"), new("spec.type")], ["all"]);

    /// <summary>core/v1 endpoints.</summary>
    public static readonly ResourceType Endpoints = new("", "v1", "endpoints", "Endpoints", true, ["ep"]);

    /// <summary>discovery.k8s.io/v1 EndpointSlices.</summary>
    public static readonly ResourceType EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);

    /// <summary>core/v1 events, with the field selectors the real API server supports for them.</summary>
    public static readonly ResourceType Events = new("", "v1", "events", "Event", true, ["ev"],
        [
            new("involvedObject.kind"), new("involvedObject.namespace"), new("involvedObject.name"),
            new("involvedObject.uid"), new("involvedObject.apiVersion"), new("involvedObject.resourceVersion"),
            new("involvedObject.fieldPath"), new("reason"), new("reportingComponent"), new("source", "source.component"),
            new("type"),
        ]);

    /// <summary>events.k8s.io/v1 events (the same objects shape-wise as the real server's newer API).</summary>
    public static readonly ResourceType EventsV1 = new("events.k8s.io", "v1", "events", "Event", true, ["ev"],
        [new("regarding.kind"), new("regarding.namespace"), new("regarding.name"), new("regarding.uid"), new("reason"), new("type"), new("reportingController")]);

    /// <summary>core/v1 configmaps.</summary>
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true, ["cm"]);

    /// <summary>coordination.k8s.io/v1 leases.</summary>
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    /// <summary>core/v1 componentstatuses (deprecated upstream, still read by agents).</summary>
    public static readonly ResourceType ComponentStatuses = new("", "v1", "componentstatuses", "ComponentStatus", false, ["cs"]);

    /// <summary>apiregistration.k8s.io/v1 APIServices: the aggregated APIs the simulator proxies (see <c>Api/Aggregator.cs</c>).</summary>
    public static readonly ResourceType ApiServices = new("apiregistration.k8s.io", "v1", "apiservices", "APIService", false);

    /// <summary>
    /// apiextensions.k8s.io/v1 CustomResourceDefinitions: creating one serves the resources it defines
    /// (see <c>Store/CustomResourceDefinition.cs</c>); its status (accepted names, NamesAccepted and
    /// Established) is the server's.
    /// </summary>
    public static readonly ResourceType CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions",
        "CustomResourceDefinition", false, ["crd", "crds"], categories: ["api-extensions"], statusSubresource: true);

    /// <summary>rbac.authorization.k8s.io/v1 ClusterRoles: stored, and read by SubjectAccessReviews (see <c>Api/AccessReviewer.cs</c>).</summary>
    public static readonly ResourceType ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false);

    /// <summary>rbac.authorization.k8s.io/v1 ClusterRoleBindings.</summary>
    public static readonly ResourceType ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false);

    /// <summary>rbac.authorization.k8s.io/v1 Roles.</summary>
    public static readonly ResourceType Roles = new("rbac.authorization.k8s.io", "v1", "roles", "Role", true);

    /// <summary>rbac.authorization.k8s.io/v1 RoleBindings.</summary>
    public static readonly ResourceType RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true);

    /// <summary>Every built-in resource, in discovery order.</summary>
    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespaces, Nodes, Pods, Services, Endpoints, Events, ConfigMaps, ComponentStatuses,
        EndpointSlices, EventsV1, Leases, ApiServices, CustomResourceDefinitions,
        ClusterRoles, ClusterRoleBindings, Roles, RoleBindings,
    ];
}
