using Dca.Node.Kubelet;
using Dca.Protocol.ClusterAgent;

namespace Dca.Node.Tagging;

/// <summary>
/// Tags at the three cardinalities of the Datadog tagger. Each array includes the lower levels:
/// <see cref="Orchestrator"/> = low + orchestrator, <see cref="High"/> = low + orchestrator + high.
/// </summary>
internal sealed class TagSet(string[] low, string[] orchestrator, string[] high)
{
    public static TagSet Empty { get; } = new([], [], []);

    public string[] Low { get; } = low;

    public string[] Orchestrator { get; } = orchestrator;

    public string[] High { get; } = high;

    public static TagSet Build(List<string> low, List<string> orchestrator, List<string> high, string[] extra)
    {
        var l = Distinct(low, extra);
        var o = Distinct([.. l, .. orchestrator], []);
        return new TagSet(l, o, Distinct([.. o, .. high], []));
    }

    private static string[] Distinct(List<string> tags, string[] extra)
    {
        var set = new HashSet<string>(tags, StringComparer.Ordinal);
        set.UnionWith(extra);
        var result = set.ToArray();
        Array.Sort(result, StringComparer.Ordinal);
        return result;
    }
}

/// <summary>A pod's tags and its containers' tags (by container name).</summary>
internal sealed record TaggedPod(string Namespace, string Name, string Uid, TagSet Tags, IReadOnlyDictionary<string, TagSet> Containers);

/// <summary>What the tagger adds from configuration and the cluster agent.</summary>
internal sealed record TaggerSettings
{
    public LabelsAsTags PodLabels { get; init; } = LabelsAsTags.None;

    public LabelsAsTags NamespaceLabels { get; init; } = LabelsAsTags.None;

    /// <summary><c>DD_KUBERNETES_KUBE_SERVICE_IGNORE_READINESS</c>: tag pods that are not Ready with their Services too.</summary>
    public bool IgnoreReadiness { get; init; }
}

/// <summary>
/// The node agent's tagger: Kubernetes tags for pods and containers from the kubelet's pod list plus
/// the cluster agent's metadata, with the names and cardinalities of the Datadog agent's tagger
/// (<c>workloadmeta_extract.go</c>): <c>pod_name</c>, <c>kube_ownerref_name</c> and a cron job's
/// <c>kube_job</c> are orchestrator cardinality; <c>container_id</c>, <c>container_name</c> and
/// <c>display_container_name</c> high; the rest low. Host tags (cluster name, node labels) are given
/// by the caller and added to every level.
/// </summary>
internal static class Tagger
{
    public static TaggedPod? Tag(Pod pod, TaggerSettings settings, PodServices services,
        Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels, string[] hostTags)
    {
        var meta = pod.Metadata;
        if (meta?.Name is not { Length: > 0 } name || meta.Namespace is not { Length: > 0 } ns)
        {
            return null;
        }
        List<string> low = [], orchestrator = [], high = [];
        low.Add("kube_namespace:" + ns);
        orchestrator.Add("pod_name:" + name);
        Add(low, "pod_phase", pod.Status?.Phase?.ToLowerInvariant());
        Add(low, "kube_qos", pod.Status?.QosClass);
        Add(low, "kube_priority_class", pod.Spec?.PriorityClassName);
        foreach (var owner in (meta.OwnerReferences ?? []).OfType<OwnerReference>())
        {
            AddOwner(owner, low, orchestrator);
        }
        if (settings.IgnoreReadiness || IsReady(pod))
        {
            foreach (var service in services.For(ns, name))
            {
                low.Add("kube_service:" + service);
            }
        }
        var labels = meta.Labels;
        if (labels is not null)
        {
            foreach (var (label, tag) in StandardLabels)
            {
                if (labels.TryGetValue(label, out var value))
                {
                    Add(low, tag, value);
                }
            }
        }
        settings.PodLabels.Apply(labels, low, high);
        if (!settings.NamespaceLabels.IsEmpty && namespaceLabels(ns) is { } nsLabels)
        {
            settings.NamespaceLabels.Apply(nsLabels.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)), low, high);
        }
        var podTags = TagSet.Build(low, orchestrator, high, hostTags);

        var containers = new Dictionary<string, TagSet>(StringComparer.Ordinal);
        var statuses = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).OfType<ContainerStatus>().ToList();
        foreach (var spec in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).OfType<ContainerSpec>())
        {
            if (spec.Name is not { Length: > 0 } container)
            {
                continue;
            }
            List<string> cLow = [.. low, "kube_container_name:" + container];
            List<string> cHigh = [.. high, "container_name:" + container, "display_container_name:" + container + "_" + name];
            if (ImageName.Parse(spec.Image) is { } image)
            {
                cLow.Add("image_name:" + image.Name);
                cLow.Add("short_image:" + image.Short);
                cLow.Add("image_tag:" + image.Tag);
            }
            var status = statuses.Find(s => s.Name == container);
            if (status?.ContainerId is { Length: > 0 } id)
            {
                var separator = id.IndexOf("://", StringComparison.Ordinal);
                cHigh.Add("container_id:" + (separator >= 0 ? id[(separator + 3)..] : id));
            }
            if (status?.ImageId is { Length: > 0 } imageId)
            {
                cLow.Add("image_id:" + (imageId.StartsWith("docker-pullable://", StringComparison.Ordinal) ? imageId["docker-pullable://".Length..] : imageId));
            }
            if (labels is not null)
            {
                foreach (var tag in (ReadOnlySpan<string>)["env", "service", "version"])
                {
                    if (labels.TryGetValue($"tags.datadoghq.com/{container}.{tag}", out var value))
                    {
                        Add(cLow, tag, value);
                    }
                }
            }
            containers[container] = TagSet.Build(cLow, orchestrator, cHigh, hostTags);
        }
        return new TaggedPod(ns, name, meta.Uid ?? "", podTags, containers);
    }

    /// <summary>The pod's Ready condition is True (only Ready pods get their Services, like the Datadog agent).</summary>
    public static bool IsReady(Pod pod) =>
        pod.Status?.Conditions?.Exists(c => c?.Type == "Ready" && c.Status == "True") == true;

    private static readonly (string Label, string Tag)[] StandardLabels =
    [
        ("tags.datadoghq.com/env", "env"), ("tags.datadoghq.com/service", "service"), ("tags.datadoghq.com/version", "version"),
        ("app.kubernetes.io/name", "kube_app_name"), ("app.kubernetes.io/instance", "kube_app_instance"),
        ("app.kubernetes.io/version", "kube_app_version"), ("app.kubernetes.io/component", "kube_app_component"),
        ("app.kubernetes.io/part-of", "kube_app_part_of"), ("app.kubernetes.io/managed-by", "kube_app_managed_by"),
    ];

    private static void AddOwner(OwnerReference owner, List<string> low, List<string> orchestrator)
    {
        if (owner.Kind is not { Length: > 0 } kind || owner.Name is not { Length: > 0 } name)
        {
            return;
        }
        low.Add("kube_ownerref_kind:" + kind.ToLowerInvariant());
        orchestrator.Add("kube_ownerref_name:" + name);
        switch (kind)
        {
            case "Deployment":
                low.Add("kube_deployment:" + name);
                break;
            case "ReplicaSet":
                low.Add("kube_replica_set:" + name);
                if (DeploymentOf(name) is { } deployment)
                {
                    low.Add("kube_deployment:" + deployment);
                }
                break;
            case "DaemonSet":
                low.Add("kube_daemon_set:" + name);
                break;
            case "StatefulSet":
                low.Add("kube_stateful_set:" + name);
                break;
            case "ReplicationController":
                low.Add("kube_replication_controller:" + name);
                break;
            case "Job":
                if (CronJobOf(name) is { } cronJob)
                {
                    low.Add("kube_cronjob:" + cronJob);
                    orchestrator.Add("kube_job:" + name);
                }
                else
                {
                    low.Add("kube_job:" + name);
                }
                break;
        }
    }

    /// <summary>
    /// The Deployment that owns a ReplicaSet, from its name: the suffix after the last <c>-</c> is the
    /// pod-template hash (at least 3 characters of Kubernetes' random alphabet, or all digits).
    /// </summary>
    public static string? DeploymentOf(string replicaSet)
    {
        var dash = replicaSet.LastIndexOf('-');
        if (dash <= 0 || replicaSet.Length - dash - 1 < 3)
        {
            return null;
        }
        var suffix = replicaSet.AsSpan(dash + 1);
        return suffix.IndexOfAnyExcept(HashAlphabet) < 0 || suffix.IndexOfAnyExceptInRange('0', '9') < 0
            ? replicaSet[..dash] : null;
    }

    // Kubernetes' rand.SafeEncodeString alphabet (no vowels, no 0/1/3).
    private static readonly System.Buffers.SearchValues<char> HashAlphabet = System.Buffers.SearchValues.Create("bcdfghjklmnpqrstvwxz2456789");

    /// <summary>The CronJob that created a Job, from its name: a suffix of at least 3 digits (the scheduled minute).</summary>
    public static string? CronJobOf(string job)
    {
        var dash = job.LastIndexOf('-');
        return dash > 0 && job.Length - dash - 1 >= 3 && job.AsSpan(dash + 1).IndexOfAnyExceptInRange('0', '9') < 0 ? job[..dash] : null;
    }

    private static void Add(List<string> tags, string name, string? value)
    {
        if (value is { Length: > 0 })
        {
            tags.Add(name + ":" + value);
        }
    }
}
