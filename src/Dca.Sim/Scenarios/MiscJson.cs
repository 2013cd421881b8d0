using static Dca.Sim.Scenarios.JsonBuilder;

namespace Dca.Sim.Scenarios;

/// <summary>Namespaces, component statuses, leases and events.</summary>
internal static class MiscJson
{
    public static byte[] Namespace(string name, string uid, long rv, DateTimeOffset created) => Build((name, uid, rv, created), static (w, s) =>
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Namespace");
        w.WriteStartObject("metadata");
        MetaHead(w, s.name, null, s.uid, s.rv, s.created);
        w.WriteStartObject("labels");
        w.WriteString("kubernetes.io/metadata.name", s.name);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteStartArray("finalizers");
        w.WriteStringValue("kubernetes");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("phase", "Active");
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static byte[] ComponentStatus(string name, long rv, string message) => Build((name, rv, message), static (w, s) =>
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "ComponentStatus");
        w.WriteStartObject("metadata");
        w.WriteString("name", s.name);
        w.WriteString("resourceVersion", Rv(s.rv));
        w.WriteNull("creationTimestamp");
        w.WriteEndObject();
        w.WriteStartArray("conditions");
        w.WriteStartObject();
        w.WriteString("type", "Healthy");
        w.WriteString("status", "True");
        w.WriteString("message", s.message);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static byte[] Lease(string ns, string name, string uid, string holder, int durationSeconds, long rv, DateTimeOffset created, DateTimeOffset renewed) =>
        Build((ns, name, uid, holder, durationSeconds, rv, created, renewed), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("apiVersion", "coordination.k8s.io/v1");
            w.WriteString("kind", "Lease");
            w.WriteStartObject("metadata");
            MetaHead(w, s.name, s.ns, s.uid, s.rv, s.created);
            w.WriteEndObject();
            w.WriteStartObject("spec");
            w.WriteString("holderIdentity", s.holder);
            w.WriteNumber("leaseDurationSeconds", s.durationSeconds);
            w.WriteString("acquireTime", s.created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("renewTime", s.renewed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteNumber("leaseTransitions", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    /// <summary>A core/v1 Event about a pod, as the kubelet or a controller records it.</summary>
    public static byte[] Event(PodSpec pod, string name, string uid, string type, string reason, string message, string component, int count, long rv, DateTimeOffset first, DateTimeOffset last) =>
        Build((pod, name, uid, type, reason, message, component, count, rv, first, last), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("apiVersion", "v1");
            w.WriteString("kind", "Event");
            w.WriteStartObject("metadata");
            MetaHead(w, s.name, s.pod.Namespace, s.uid, s.rv, s.first);
            w.WriteEndObject();
            w.WriteStartObject("involvedObject");
            w.WriteString("kind", "Pod");
            w.WriteString("namespace", s.pod.Namespace);
            w.WriteString("name", s.pod.Name);
            w.WriteString("uid", s.pod.Uid);
            w.WriteString("apiVersion", "v1");
            w.WriteString("fieldPath", "spec.containers{" + PodJson.Containers(s.pod)[0].Name + "}");
            w.WriteEndObject();
            w.WriteString("reason", s.reason);
            w.WriteString("message", s.message);
            w.WriteStartObject("source");
            w.WriteString("component", s.component);
            if (s.component == "kubelet")
            {
                w.WriteString("host", s.pod.Node.Name);
            }
            w.WriteEndObject();
            w.WriteString("firstTimestamp", Time(s.first));
            w.WriteString("lastTimestamp", Time(s.last));
            w.WriteNumber("count", s.count);
            w.WriteString("type", s.type);
            w.WriteNull("eventTime");
            w.WriteString("reportingComponent", s.component);
            w.WriteString("reportingInstance", s.component == "kubelet" ? s.pod.Node.Name : "");
            w.WriteEndObject();
        });
}
