using System.Text.Json;
using static Dca.Sim.Scenarios.JsonBuilder;

namespace Dca.Sim.Scenarios;

/// <summary>One endpoint of a service: the pod behind it.</summary>
internal readonly record struct EndpointRef(string PodName, string PodUid, string Ip, string NodeName, string Zone, bool Ready);

/// <summary>Services, their EndpointSlices (at most 100 endpoints each, like the controller) and Endpoints.</summary>
internal static class ServiceJson
{
    public const int MaxEndpointsPerSlice = 100;

    /// <summary>The real Endpoints controller truncates at 1000 addresses and says so in an annotation.</summary>
    public const int MaxEndpointsAddresses = 1000;

    public static int Port(AppSpec app) => app.Index == 0 ? 53 : 8080;

    public static byte[] Service(AppSpec app, long rv, DateTimeOffset created) => Build((app, rv, created), static (w, s) =>
    {
        var (app, rv, created) = s;
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Service");
        w.WriteStartObject("metadata");
        MetaHead(w, app.ServiceName, app.Namespace, app.ServiceUid, rv, created);
        w.WriteStartObject("labels");
        w.WriteString("app.kubernetes.io/name", app.Name);
        w.WriteString("app.kubernetes.io/managed-by", "Helm");
        w.WriteString("team", app.Team);
        w.WriteEndObject();
        w.WriteStartObject("annotations");
        w.WriteString("meta.helm.sh/release-name", app.Name);
        w.WriteString("meta.helm.sh/release-namespace", app.Namespace);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteString("name", app.Index == 0 ? "dns" : "http");
        w.WriteString("protocol", app.Index == 0 ? "UDP" : "TCP");
        w.WriteNumber("port", app.Index == 0 ? 53 : 80);
        w.WriteNumber("targetPort", Port(app));
        w.WriteEndObject();
        w.WriteEndArray();
        Labels(w, "selector", app.SelectorLabels);
        w.WriteString("clusterIP", app.ClusterIp);
        w.WriteStartArray("clusterIPs");
        w.WriteStringValue(app.ClusterIp);
        w.WriteEndArray();
        w.WriteString("type", "ClusterIP");
        w.WriteString("sessionAffinity", "None");
        w.WriteStartArray("ipFamilies");
        w.WriteStringValue("IPv4");
        w.WriteEndArray();
        w.WriteString("ipFamilyPolicy", "SingleStack");
        w.WriteString("internalTrafficPolicy", "Cluster");
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteStartObject("loadBalancer");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static byte[] Slice(AppSpec app, string name, string uid, long rv, DateTimeOffset created, ReadOnlySpan<EndpointRef> endpoints) =>
        Build((app, name, uid, rv, created, endpoints.ToArray()), static (w, s) =>
        {
            var (app, name, uid, rv, created, endpoints) = s;
            w.WriteStartObject();
            w.WriteString("apiVersion", "discovery.k8s.io/v1");
            w.WriteString("kind", "EndpointSlice");
            w.WriteStartObject("metadata");
            MetaHead(w, name, app.Namespace, uid, rv, created, app.ServiceName + "-");
            w.WriteNumber("generation", 1);
            w.WriteStartObject("labels");
            w.WriteString("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
            w.WriteString("kubernetes.io/service-name", app.ServiceName);
            w.WriteString("app.kubernetes.io/name", app.Name);
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("endpoints.kubernetes.io/last-change-trigger-time", Time(created));
            w.WriteEndObject();
            w.WriteStartArray("ownerReferences");
            OwnerReference(w, "v1", "Service", app.ServiceName, app.ServiceUid, true);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("addressType", "IPv4");
            w.WriteStartArray("endpoints");
            foreach (var e in endpoints)
            {
                w.WriteStartObject();
                w.WriteStartArray("addresses");
                w.WriteStringValue(e.Ip);
                w.WriteEndArray();
                w.WriteStartObject("conditions");
                w.WriteBoolean("ready", e.Ready);
                w.WriteBoolean("serving", e.Ready);
                w.WriteBoolean("terminating", false);
                w.WriteEndObject();
                if (e.PodName.Length > 0)
                {
                    w.WriteStartObject("targetRef");
                    w.WriteString("kind", "Pod");
                    w.WriteString("namespace", app.Namespace);
                    w.WriteString("name", e.PodName);
                    w.WriteString("uid", e.PodUid);
                    w.WriteEndObject();
                    w.WriteString("nodeName", e.NodeName);
                    w.WriteString("zone", e.Zone);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WritePorts(w, app, "ports");
            w.WriteEndObject();
        });

    public static byte[] Endpoints(AppSpec app, long rv, DateTimeOffset created, IReadOnlyList<EndpointRef> endpoints) =>
        Build((app, rv, created, endpoints), static (w, s) =>
        {
            var (app, rv, created, endpoints) = s;
            w.WriteStartObject();
            w.WriteString("apiVersion", "v1");
            w.WriteString("kind", "Endpoints");
            w.WriteStartObject("metadata");
            MetaHead(w, app.ServiceName, app.Namespace, PodJson.Hex(app.ServiceUid, 8) + app.ServiceUid[8..], rv, created);
            w.WriteStartObject("labels");
            w.WriteString("app.kubernetes.io/name", app.Name);
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("endpoints.kubernetes.io/last-change-trigger-time", Time(created));
            if (endpoints.Count > MaxEndpointsAddresses)
            {
                w.WriteString("endpoints.kubernetes.io/over-capacity", "truncated");
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("subsets");
            if (endpoints.Count > 0)
            {
                w.WriteStartObject();
                foreach (var (property, ready) in new[] { ("addresses", true), ("notReadyAddresses", false) })
                {
                    var any = false;
                    var written = 0;
                    foreach (var e in endpoints)
                    {
                        if (e.Ready != ready || written++ >= MaxEndpointsAddresses)
                        {
                            continue;
                        }
                        if (!any)
                        {
                            w.WriteStartArray(property);
                            any = true;
                        }
                        w.WriteStartObject();
                        w.WriteString("ip", e.Ip);
                        if (e.PodName.Length > 0)
                        {
                            w.WriteString("nodeName", e.NodeName);
                            w.WriteStartObject("targetRef");
                            w.WriteString("kind", "Pod");
                            w.WriteString("namespace", app.Namespace);
                            w.WriteString("name", e.PodName);
                            w.WriteString("uid", e.PodUid);
                            w.WriteEndObject();
                        }
                        w.WriteEndObject();
                    }
                    if (any)
                    {
                        w.WriteEndArray();
                    }
                }
                WritePorts(w, app, "ports");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static void WritePorts(Utf8JsonWriter w, AppSpec app, string property)
    {
        w.WriteStartArray(property);
        w.WriteStartObject();
        w.WriteString("name", app.Index == 0 ? "dns" : "http");
        w.WriteNumber("port", Port(app));
        w.WriteString("protocol", app.Index == 0 ? "UDP" : "TCP");
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
