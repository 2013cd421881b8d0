using System.Text.Json;
using Dca.Node.Kubelet;

namespace Dca.Node.Tests.Fixtures;

/// <summary>
/// Hand-written kubelet answers covering the cases Datadog's kubelet check handles (running, crash-looping,
/// completed init container, terminating, expired, static pod), in the kubelet's JSON shape.
/// </summary>
internal static class KubeletFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public const string Pods = """
    {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
      {"metadata":{"name":"web-7d9f8b6c5-x2x4z","namespace":"shop","uid":"uid-web",
                   "labels":{"app":"web","tags.datadoghq.com/env":"prod","team":"Payments"},
                   "ownerReferences":[{"kind":"ReplicaSet","name":"web-7d9f8b6c5","controller":true}]},
       "spec":{"nodeName":"node-1","priorityClassName":"high",
               "initContainers":[{"name":"migrate","image":"registry.example.com/migrate:2.0"}],
               "containers":[{"name":"app","image":"gcr.io/shop/web:1.4@sha256:abcdef","resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"cpu":"1","memory":"512Mi"}}},
                             {"name":"sidecar","image":"envoyproxy/envoy","resources":{"requests":{"cpu":"100m"}}}]},
       "status":{"phase":"Running","qosClass":"Burstable",
                 "conditions":[{"type":"Ready","status":"True"}],
                 "initContainerStatuses":[{"name":"migrate","containerID":"containerd://init1","restartCount":0,"state":{"terminated":{"reason":"Completed","exitCode":0,"finishedAt":"2026-11-22T11:00:00Z"}}}],
                 "containerStatuses":[
                   {"name":"app","containerID":"containerd://c-app","imageID":"docker-pullable://gcr.io/shop/web@sha256:abcdef","restartCount":3,
                    "state":{"running":{"startedAt":"2026-11-22T11:00:05Z"}},"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}},
                   {"name":"sidecar","containerID":"containerd://c-sidecar","restartCount":0,"state":{"running":{"startedAt":"2026-11-22T11:00:05Z"}}}]}},
      {"metadata":{"name":"web-7d9f8b6c5-q8kjw","namespace":"shop","uid":"uid-web2",
                   "ownerReferences":[{"kind":"ReplicaSet","name":"web-7d9f8b6c5"}]},
       "spec":{"containers":[{"name":"app","image":"gcr.io/shop/web:1.4"}]},
       "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
                 "containerStatuses":[{"name":"app","containerID":"containerd://c-app2","restartCount":7,
                   "state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"Error","exitCode":1}}}]}},
      {"metadata":{"name":"backup-28123456-abcde","namespace":"ops","uid":"uid-job",
                   "deletionTimestamp":"2026-11-22T11:59:00Z",
                   "ownerReferences":[{"kind":"Job","name":"backup-28123456"}]},
       "spec":{"containers":[{"name":"backup","image":"busybox"}]},
       "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
                 "containerStatuses":[{"name":"backup","containerID":"containerd://c-backup","restartCount":0,"state":{"running":{"startedAt":"2026-11-22T11:58:00Z"}}}]}},
      {"metadata":{"name":"old-job-x","namespace":"ops","uid":"uid-old"},
       "spec":{"containers":[{"name":"main","image":"busybox"}]},
       "status":{"phase":"Succeeded","containerStatuses":[{"name":"main","containerID":"containerd://c-old","restartCount":0,
                 "state":{"terminated":{"reason":"Completed","exitCode":0,"finishedAt":"2026-11-22T10:00:00Z"}}}]}},
      null
    ]}
    """;

    /// <summary>The stats summary at <paramref name="cpuSeconds"/> of cumulative CPU and <paramref name="rxBytes"/> received.</summary>
    public static string Summary(double cpuSeconds, double rxBytes, string time = "2026-11-22T12:00:00Z") => $$$$"""
    {"node":{"nodeName":"node-1",
      "systemContainers":[{"name":"kubelet","cpu":{"usageNanoCores":42549809},"memory":{"usageBytes":147464192,"rssBytes":77819904}},
                          {"name":"runtime","cpu":{"usageNanoCores":58035303},"memory":{"usageBytes":1521729536,"rssBytes":219836416}},
                          {"name":"pods","cpu":{"usageNanoCores":1}}],
      "cpu":{"time":"{{{{time}}}}","usageNanoCores":900000000,"usageCoreNanoSeconds":{{{{cpuSeconds * 4e9}}}}},
      "memory":{"usageBytes":8000000000,"workingSetBytes":6000000000},
      "network":{"time":"{{{{time}}}}","rxBytes":{{{{rxBytes * 10}}}},"txBytes":{{{{rxBytes * 5}}}}},
      "fs":{"usedBytes":14517391360,"capacityBytes":103865303040},
      "runtime":{"imageFs":{"usedBytes":10980311040,"capacityBytes":103865303040}}},
     "pods":[
      {"podRef":{"name":"web-7d9f8b6c5-x2x4z","namespace":"shop","uid":"uid-web"},
       "containers":[{"name":"app","cpu":{"time":"{{{{time}}}}","usageCoreNanoSeconds":{{{{cpuSeconds * 1e9}}}}},
                      "memory":{"usageBytes":85618688,"workingSetBytes":80461824,"rssBytes":70000000},
                      "rootfs":{"usedBytes":94208,"capacityBytes":103865303040}},
                     {"name":"not-in-pod-list","cpu":{"usageCoreNanoSeconds":5}}],
       "network":{"time":"{{{{time}}}}","rxBytes":{{{{rxBytes}}}},"txBytes":{{{{rxBytes / 2}}}}},
       "ephemeral-storage":{"usedBytes":17596416}},
      {"podRef":{"name":"unknown","namespace":"x","uid":"uid-unknown"},"containers":[{"name":"a"}]}
     ]}
    """;

    public static PodList PodList() => JsonSerializer.Deserialize(Pods, KubeletJsonContext.Default.PodList)!;

    public static StatsSummary StatsSummary(double cpuSeconds, double rxBytes, string time = "2026-11-22T12:00:00Z") =>
        JsonSerializer.Deserialize(Summary(cpuSeconds, rxBytes, time), KubeletJsonContext.Default.StatsSummary)!;
}
