using System.Text.Json;
using static Dca.Sim.Scenarios.JsonBuilder;

namespace Dca.Sim.Scenarios;

/// <summary>
/// A pod as the real API server returns it after the scheduler and kubelet have done their work:
/// many labels, ownerReferences, managedFields, a full spec and a Running status with conditions
/// and containerStatuses.
/// </summary>
internal static class PodJson
{
    public static byte[] Write(PodSpec pod, long rv, DateTimeOffset? deletion = null) =>
        Build((pod, rv, deletion), static (w, s) => WritePod(w, s.pod, s.rv, s.deletion));

    public static void WritePod(Utf8JsonWriter w, PodSpec pod, long rv, DateTimeOffset? deletion)
    {
        var app = pod.App;
        var started = pod.Created.AddSeconds(3);
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Pod");
        w.WriteStartObject("metadata");
        MetaHead(w, pod.Name, pod.Namespace, pod.Uid, rv, pod.Created,
            app is null ? "kube-proxy-" : app.Name + "-" + app.TemplateHash + "-");
        if (deletion is { } d)
        {
            w.WriteString("deletionTimestamp", Time(d.AddSeconds(30)));
            w.WriteNumber("deletionGracePeriodSeconds", 30);
        }
        w.WriteStartObject("labels");
        if (app is null)
        {
            w.WriteString("controller-revision-hash", "7c9f8d6b5");
            w.WriteString("k8s-app", "kube-proxy");
            w.WriteString("pod-template-generation", "1");
        }
        else
        {
            foreach (var (k, v) in app.SelectorLabels)
            {
                w.WriteString(k, v);
            }
            w.WriteString("app.kubernetes.io/name", app.Name);
            w.WriteString("app.kubernetes.io/instance", app.Name + "-prod");
            w.WriteString("app.kubernetes.io/version", app.Image[(app.Image.LastIndexOf(':') + 1)..]);
            w.WriteString("app.kubernetes.io/component", app.Tier);
            w.WriteString("app.kubernetes.io/part-of", app.Namespace);
            w.WriteString("app.kubernetes.io/managed-by", "Helm");
            w.WriteString("pod-template-hash", app.TemplateHash);
            w.WriteString("team", app.Team);
            w.WriteString("tier", app.Tier);
            w.WriteString("env", "prod");
            w.WriteString("tags.datadoghq.com/service", app.Name);
            w.WriteString("tags.datadoghq.com/env", "prod");
        }
        w.WriteEndObject();
        w.WriteStartObject("annotations");
        if (app is not null)
        {
            w.WriteString("kubectl.kubernetes.io/restartedAt", Time(pod.Created.AddMinutes(-5)));
            w.WriteString("ad.datadoghq.com/" + app.Name + ".logs", "[{\"source\":\"" + app.Name + "\",\"service\":\"" + app.Name + "\"}]");
        }
        w.WriteString("kubernetes.io/config.seen", Time(pod.Created));
        w.WriteEndObject();
        w.WriteStartArray("ownerReferences");
        if (app is null)
        {
            OwnerReference(w, "apps/v1", "DaemonSet", "kube-proxy", "0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8", true);
        }
        else
        {
            OwnerReference(w, "apps/v1", "ReplicaSet", app.Name + "-" + app.TemplateHash, app.ReplicaSetUid, true);
        }
        w.WriteEndArray();
        w.WriteStartArray("managedFields");
        ManagedField(w, "kube-controller-manager", "Update", pod.Created, null, static w =>
        {
            w.WriteStartObject("f:metadata");
            Fields(w, "f:generateName", "f:labels", "f:ownerReferences");
            w.WriteEndObject();
            w.WriteStartObject("f:spec");
            Fields(w, "f:containers", "f:dnsPolicy", "f:enableServiceLinks", "f:restartPolicy", "f:schedulerName", "f:securityContext", "f:terminationGracePeriodSeconds");
            w.WriteEndObject();
        });
        ManagedField(w, "kubelet", "Update", started, "status", static w =>
        {
            w.WriteStartObject("f:status");
            Fields(w, "f:conditions", "f:containerStatuses", "f:hostIP", "f:hostIPs", "f:phase", "f:podIP", "f:podIPs", "f:startTime");
            w.WriteEndObject();
        });
        w.WriteEndArray();
        w.WriteEndObject();

        WriteSpec(w, pod);
        WriteStatus(w, pod, started);
        w.WriteEndObject();
    }

    private static void WriteSpec(Utf8JsonWriter w, PodSpec pod)
    {
        var app = pod.App;
        w.WriteStartObject("spec");
        w.WriteStartArray("volumes");
        w.WriteStartObject();
        w.WriteString("name", "kube-api-access-" + pod.ContainerSeed[..5]);
        w.WriteStartObject("projected");
        w.WriteStartArray("sources");
        w.WriteStartObject();
        w.WriteStartObject("serviceAccountToken");
        w.WriteNumber("expirationSeconds", 3607);
        w.WriteString("path", "token");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteNumber("defaultMode", 420);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("containers");
        foreach (var (name, image, port) in Containers(pod))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("image", image);
            if (port > 0)
            {
                w.WriteStartArray("ports");
                w.WriteStartObject();
                w.WriteString("name", "http");
                w.WriteNumber("containerPort", port);
                w.WriteString("protocol", "TCP");
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WriteStartArray("env");
            w.WriteStartObject();
            w.WriteString("name", "DD_ENV");
            w.WriteString("value", "prod");
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("name", "DD_AGENT_HOST");
            w.WriteStartObject("valueFrom");
            w.WriteStartObject("fieldRef");
            w.WriteString("apiVersion", "v1");
            w.WriteString("fieldPath", "status.hostIP");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("resources");
            w.WriteStartObject("limits");
            w.WriteString("memory", "512Mi");
            w.WriteEndObject();
            w.WriteStartObject("requests");
            w.WriteString("cpu", "100m");
            w.WriteString("memory", "256Mi");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("volumeMounts");
            w.WriteStartObject();
            w.WriteString("name", "kube-api-access-" + pod.ContainerSeed[..5]);
            w.WriteBoolean("readOnly", true);
            w.WriteString("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("terminationMessagePath", "/dev/termination-log");
            w.WriteString("terminationMessagePolicy", "File");
            w.WriteString("imagePullPolicy", "IfNotPresent");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("restartPolicy", "Always");
        w.WriteNumber("terminationGracePeriodSeconds", 30);
        w.WriteString("dnsPolicy", pod.IsDaemon ? "ClusterFirstWithHostNet" : "ClusterFirst");
        w.WriteString("serviceAccountName", app?.Name ?? "kube-proxy");
        w.WriteString("serviceAccount", app?.Name ?? "kube-proxy");
        w.WriteString("nodeName", pod.Node.Name);
        if (pod.IsDaemon)
        {
            w.WriteBoolean("hostNetwork", true);
        }
        w.WriteStartObject("securityContext");
        w.WriteEndObject();
        w.WriteString("schedulerName", "default-scheduler");
        w.WriteStartArray("tolerations");
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteString("operator", "Exists");
            w.WriteString("effect", "NoExecute");
            w.WriteNumber("tolerationSeconds", 300);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("priorityClassName", pod.IsDaemon ? "system-node-critical" : "");
        w.WriteNumber("priority", pod.IsDaemon ? 2_000_001_000 : 0);
        w.WriteBoolean("enableServiceLinks", true);
        w.WriteString("preemptionPolicy", "PreemptLowerPriority");
        w.WriteEndObject();
    }

    private static void WriteStatus(Utf8JsonWriter w, PodSpec pod, DateTimeOffset started)
    {
        var ready = pod.Ready ? "True" : "False";
        w.WriteStartObject("status");
        w.WriteString("phase", "Running");
        w.WriteStartArray("conditions");
        foreach (var (type, status) in new[] { ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", ready), ("ContainersReady", ready), ("PodScheduled", "True") })
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("status", status);
            w.WriteNull("lastProbeTime");
            w.WriteString("lastTransitionTime", Time(type == "PodScheduled" ? pod.Created : started));
            if (status == "False")
            {
                w.WriteString("reason", "ContainersNotReady");
                w.WriteString("message", "containers with unready status: [" + Containers(pod)[0].Name + "]");
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("hostIP", pod.Node.Address.ToString());
        w.WriteStartArray("hostIPs");
        w.WriteStartObject();
        w.WriteString("ip", pod.Node.Address.ToString());
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("podIP", pod.Ip);
        w.WriteStartArray("podIPs");
        w.WriteStartObject();
        w.WriteString("ip", pod.Ip);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("startTime", Time(pod.Created));
        w.WriteStartArray("containerStatuses");
        var i = 0;
        foreach (var (name, image, _) in Containers(pod))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteStartObject("state");
            w.WriteStartObject("running");
            w.WriteString("startedAt", Time(started));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("lastState");
            if (pod.RestartCount > 0 && i == 0)
            {
                w.WriteStartObject("terminated");
                w.WriteNumber("exitCode", 137);
                w.WriteString("reason", "OOMKilled");
                w.WriteString("startedAt", Time(pod.Created));
                w.WriteString("finishedAt", Time(started));
                w.WriteString("containerID", ContainerId(pod, i + 7));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteBoolean("ready", pod.Ready);
            w.WriteNumber("restartCount", i == 0 ? pod.RestartCount : 0);
            w.WriteString("image", image);
            w.WriteString("imageID", image[..image.LastIndexOf(':')] + "@sha256:" + Hex(pod.ContainerSeed + image, 64));
            w.WriteString("containerID", ContainerId(pod, i));
            w.WriteBoolean("started", true);
            w.WriteEndObject();
            i++;
        }
        w.WriteEndArray();
        w.WriteString("qosClass", "Burstable");
        w.WriteEndObject();
    }

    /// <summary>The pod's containers: name, image and port (0 for none).</summary>
    public static (string Name, string Image, int Port)[] Containers(PodSpec pod) => pod.App switch
    {
        null => [("kube-proxy", "registry.k8s.io/kube-proxy:v1.31.0", 0)],
        { Index: 0 } app => [("coredns", app.Image, 53)],
        { Containers: 2 } app => [(app.Name, app.Image, 8080), ("envoy", "docker.io/envoyproxy/envoy:v1.30.1", 0)],
        var app => [(app.Name, app.Image, 8080)],
    };

    public static string ContainerId(PodSpec pod, int index) => "containerd://" + Hex(pod.Uid + index.ToString(System.Globalization.CultureInfo.InvariantCulture), 64);

    /// <summary>Deterministic hex from a string (FNV-1a stretched), for container ids and image digests.</summary>
    public static string Hex(string seed, int length)
    {
        ulong h = 14695981039346656037;
        foreach (var c in seed)
        {
            h = (h ^ c) * 1099511628211;
        }
        return string.Create(length, h, static (span, hash) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                hash = (hash ^ (ulong)i) * 1099511628211;
                span[i] = "0123456789abcdef"[(int)(hash >> 60)];
            }
        });
    }
}
