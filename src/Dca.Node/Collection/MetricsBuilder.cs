using Dca.Node.Kubelet;
using Dca.Node.Tagging;
using Dca.Protocol.Intake;

namespace Dca.Node.Collection;

/// <summary>A cumulative counter as OpenMetrics exposes it (Prometheus computes the rate itself).</summary>
internal readonly record struct CounterSample(string Metric, double Value, IReadOnlyList<string> Tags);

/// <summary>One collection: the samples for the intake, and the raw counters behind its rates.</summary>
internal sealed record KubeletCollection(IReadOnlyList<MetricSample> Samples, IReadOnlyList<CounterSample> Counters, int Pods, int Containers);

/// <summary>
/// Builds the Datadog kubelet check's metrics (<c>kubernetes.*</c>) from <c>/pods</c> and
/// <c>/stats/summary</c>, with the names, tags and cardinalities of its pod and summary providers
/// (see docs/protocol-compat.md for the list). Rates are computed here (<see cref="RateTracker"/>)
/// and sent as gauges, as the Datadog aggregator flushes them.
/// </summary>
internal sealed class MetricsBuilder(RateTracker rates)
{
    public const string Prefix = "kubernetes.";

    /// <summary>Pods whose containers all finished longer ago than this are expired (Datadog: 15 min).</summary>
    public static readonly TimeSpan PodExpiration = TimeSpan.FromMinutes(15);

    private static readonly HashSet<string> TerminatedReasons = new(["oomkilled", "containercannotrun", "error"], StringComparer.Ordinal);

    private static readonly HashSet<string> WaitingReasons = new(
        ["errimagepull", "imagepullbackoff", "crashloopbackoff", "containercreating", "createcontainererror", "invalidimagename", "createcontainerconfigerror"],
        StringComparer.Ordinal);

    public KubeletCollection Build(PodList pods, StatsSummary? summary, Func<Pod, TaggedPod?> tag, string[] hostTags, string host, DateTimeOffset now)
    {
        var ts = now.ToUnixTimeSeconds();
        var samples = new List<MetricSample>(1024);
        var counters = new List<CounterSample>(256);
        void Gauge(string name, double value, IReadOnlyList<string> tags)
        {
            // Finite inputs can still give a non-finite gauge (a ratio of an overflowing size, a rate between huge
            // counters); Datadog and Prometheus would get NaN or Inf, so such a sample is dropped.
            if (double.IsFinite(value))
            {
                samples.Add(new MetricSample(Prefix + name, MetricType.Gauge, value, ts, tags, host));
            }
        }

        var tagged = new Dictionary<string, (Pod Pod, TaggedPod Tags)>(StringComparer.Ordinal);
        var runningContainers = new Dictionary<string, (string[] Tags, int Count)>(StringComparer.Ordinal);
        var runningPods = new Dictionary<string, (string[] Tags, int Count)>(StringComparer.Ordinal);
        var expired = 0;
        var containerCount = 0;
        foreach (var pod in pods.Items ?? [])
        {
            if (pod is null)
            {
                continue;
            }
            if (IsExpired(pod, now))
            {
                expired++;
                continue;
            }
            if (tag(pod) is not { } tags)
            {
                continue;
            }
            if (tags.Uid.Length > 0)
            {
                tagged[tags.Uid] = (pod, tags);
            }
            var phase = pod.Status?.Phase;
            var active = phase is "Running" or "Pending";
            var anyRunning = false;
            var specs = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).OfType<ContainerSpec>().ToList();
            foreach (var status in (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).OfType<ContainerStatus>())
            {
                if (status.Name is not { Length: > 0 } name || !tags.Containers.TryGetValue(name, out var ctags))
                {
                    continue;
                }
                containerCount++;
                if (status.State?.Running is not null && status.ContainerId is { Length: > 0 })
                {
                    anyRunning = true;
                    Count(runningContainers, ctags.Low);
                }
                Gauge("containers.restarts", status.RestartCount, ctags.Orchestrator);
                StateReason("containers.state.terminated", status.State?.Terminated?.Reason, TerminatedReasons, ctags.Orchestrator);
                StateReason("containers.state.waiting", status.State?.Waiting?.Reason, WaitingReasons, ctags.Orchestrator);
                StateReason("containers.last_state.terminated", status.LastState?.Terminated?.Reason, TerminatedReasons, ctags.Orchestrator);
                StateReason("containers.last_state.waiting", status.LastState?.Waiting?.Reason, WaitingReasons, ctags.Orchestrator);
                if (active && status.State?.Terminated?.Reason != "Completed" && specs.Find(s => s.Name == name)?.Resources is { } resources)
                {
                    Resources(resources.Requests, ".requests", ctags.High);
                    Resources(resources.Limits, ".limits", ctags.High);
                }
            }
            if (anyRunning)
            {
                Count(runningPods, tags.Tags.Low);
            }
            if (pod.Metadata?.DeletionTimestamp is { } deleting && now >= deleting)
            {
                Gauge("pod.terminating.duration", (now - deleting).TotalSeconds, tags.Tags.Low);
            }
        }
        Gauge("pods.expired", expired, hostTags);
        foreach (var (tags, count) in runningContainers.Values)
        {
            Gauge("containers.running", count, tags);
        }
        foreach (var (tags, count) in runningPods.Values)
        {
            Gauge("pods.running", count, tags);
        }

        rates.Begin();
        if (summary?.Node is { } node)
        {
            NodeMetrics(node);
        }
        foreach (var stats in summary?.Pods ?? [])
        {
            if (stats?.PodRef?.Uid is not { Length: > 0 } uid || !tagged.TryGetValue(uid, out var entry) || stats.Containers is not { Count: > 0 })
            {
                continue;
            }
            var podTags = entry.Tags.Tags.Orchestrator;
            if (entry.Pod.Status?.Phase is "Running" or "Pending")
            {
                if (stats.EphemeralStorage?.UsedBytes is { } ephemeral)
                {
                    Gauge("ephemeral_storage.usage", ephemeral, podTags);
                }
                Rate("network.rx_bytes", uid, stats.Network?.RxBytes, stats.Network?.Time, podTags);
                Rate("network.tx_bytes", uid, stats.Network?.TxBytes, stats.Network?.Time, podTags);
            }
            foreach (var container in stats.Containers.OfType<ContainerStats>())
            {
                if (container.Name is not { Length: > 0 } name || !entry.Tags.Containers.TryGetValue(name, out var ctags))
                {
                    continue;
                }
                var high = ctags.High;
                Rate("cpu.usage.total", uid + "/" + name, container.Cpu?.UsageCoreNanoSeconds, container.Cpu?.Time, high);
                Optional("memory.working_set", container.Memory?.WorkingSetBytes, high);
                Optional("memory.usage", container.Memory?.UsageBytes, high);
                Optional("memory.rss", container.Memory?.RssBytes, high);
                Optional("filesystem.usage", container.Rootfs?.UsedBytes, high);
                Ratio("filesystem.usage_pct", container.Rootfs, high);
            }
        }
        rates.End();
        return new KubeletCollection(samples, counters, tagged.Count, containerCount);

        void NodeMetrics(NodeStats node)
        {
            Optional("node.filesystem.usage", node.Fs?.UsedBytes, hostTags);
            Ratio("node.filesystem.usage_pct", node.Fs, hostTags);
            Optional("node.image.filesystem.usage", node.Runtime?.ImageFs?.UsedBytes, hostTags);
            Ratio("node.image.filesystem.usage_pct", node.Runtime?.ImageFs, hostTags);
            foreach (var system in (node.SystemContainers ?? []).OfType<ContainerStats>())
            {
                if (system.Name is "kubelet" or "runtime")
                {
                    Optional(system.Name + ".memory.rss", system.Memory?.RssBytes, hostTags);
                    Optional(system.Name + ".memory.usage", system.Memory?.UsageBytes, hostTags);
                    Optional(system.Name + ".cpu.usage", system.Cpu?.UsageNanoCores, hostTags);
                }
            }
            // Node totals (ours: the Datadog check takes them from cAdvisor's root cgroup).
            Optional("node.cpu.usage", node.Cpu?.UsageNanoCores, hostTags);
            Optional("node.memory.usage", node.Memory?.UsageBytes, hostTags);
            Optional("node.memory.working_set", node.Memory?.WorkingSetBytes, hostTags);
            Rate("node.network.rx_bytes", "", node.Network?.RxBytes, node.Network?.Time, hostTags);
            Rate("node.network.tx_bytes", "", node.Network?.TxBytes, node.Network?.Time, hostTags);
        }

        void Optional(string name, double? value, IReadOnlyList<string> tags)
        {
            if (value is { } v && double.IsFinite(v))
            {
                Gauge(name, v, tags);
            }
        }

        void Ratio(string name, FsStats? fs, IReadOnlyList<string> tags)
        {
            if (fs is { UsedBytes: { } used, CapacityBytes: { } capacity } && capacity > 0)
            {
                Gauge(name, used / capacity, tags);
            }
        }

        void Rate(string name, string key, double? value, DateTimeOffset? time, IReadOnlyList<string> tags)
        {
            if (value is not { } v || !double.IsFinite(v))
            {
                return;
            }
            counters.Add(new CounterSample(Prefix + name, v, tags));
            var seconds = (time ?? now).ToUnixTimeMilliseconds() / 1000.0;
            if (rates.Sample(name, key, v, seconds) is { } perSecond)
            {
                Gauge(name, perSecond, tags);
            }
        }

        void Resources(Dictionary<string, string?>? quantities, string suffix, string[] tags)
        {
            foreach (var (resource, text) in quantities ?? [])
            {
                if (Quantity.TryParse(text, out var amount))
                {
                    Gauge(resource + suffix, amount, tags);
                }
            }
        }

        void StateReason(string name, string? reason, HashSet<string> allowed, string[] tags)
        {
            if (reason is { Length: > 0 } && allowed.Contains(reason.ToLowerInvariant()))
            {
                Gauge(name, 1, [.. tags, "reason:" + reason.ToLowerInvariant()]);
            }
        }
    }

    private static void Count(Dictionary<string, (string[] Tags, int Count)> groups, string[] tags)
    {
        var key = string.Join('\n', tags);
        groups[key] = groups.TryGetValue(key, out var group) ? group with { Count = group.Count + 1 } : (tags, 1);
    }

    /// <summary>
    /// A pod that is neither running nor pending and whose containers all finished more than
    /// <see cref="PodExpiration"/> ago (the kubelet keeps such pods listed for a while).
    /// </summary>
    public static bool IsExpired(Pod pod, DateTimeOffset now)
    {
        if (pod.Status?.Phase is "Running" or "Pending" || pod.Status?.ContainerStatuses is not { Count: > 0 } statuses)
        {
            return false;
        }
        return statuses.TrueForAll(s => s?.State?.Terminated?.FinishedAt is { } finished && now - finished > PodExpiration);
    }
}
