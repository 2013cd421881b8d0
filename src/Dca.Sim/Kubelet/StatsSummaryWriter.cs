using System.Text.Json;
using Dca.Sim.Scenarios;
using static Dca.Sim.Scenarios.JsonBuilder;

namespace Dca.Sim.Kubelet;

/// <summary>
/// The kubelet's <c>/stats/summary</c>: node and per-pod CPU, memory, network and filesystem
/// figures in the real shape. Cumulative counters (CPU seconds, network bytes) only grow; gauges
/// (usage, working set) wave around a per-object base, all derived from the clock and the
/// object's uid so two calls a few seconds apart differ the way real ones do.
/// </summary>
internal static class StatsSummaryWriter
{
    public static void Write(Utf8JsonWriter w, NodeSpec node, IReadOnlyList<(string Namespace, string Name, string Uid, string[] Containers)> pods, DateTimeOffset now)
    {
        var elapsed = (now - node.Created).TotalSeconds;
        var stamp = Time(now);
        w.WriteStartObject();
        w.WriteStartObject("node");
        w.WriteString("nodeName", node.Name);
        w.WriteStartArray("systemContainers");
        foreach (var name in new[] { "kubelet", "runtime", "pods" })
        {
            var seed = Seed(node.Uid + name);
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("startTime", Time(node.Created));
            Cpu(w, seed, elapsed, stamp, 0.05);
            Memory(w, seed, elapsed, stamp, 120_000_000, null);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("startTime", Time(node.Created));
        var nodeSeed = Seed(node.Uid);
        Cpu(w, nodeSeed, elapsed, stamp, 0.2 * Math.Max(1, pods.Count));
        Memory(w, nodeSeed, elapsed, stamp, 2_000_000_000 + (pods.Count * 150_000_000L), 16_000_000_000);
        Network(w, nodeSeed, elapsed, stamp, "eth0", 40_000);
        Fs(w, "fs", nodeSeed, stamp, 85_000_000_000, 0.4);
        w.WriteStartObject("runtime");
        Fs(w, "imageFs", nodeSeed + 1, stamp, 85_000_000_000, 0.3);
        Fs(w, "containerFs", nodeSeed + 2, stamp, 85_000_000_000, 0.3);
        w.WriteEndObject();
        w.WriteStartObject("rlimit");
        w.WriteString("time", stamp);
        w.WriteNumber("maxpid", 4_194_304);
        w.WriteNumber("curproc", 300 + (pods.Count * 12));
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("pods");
        foreach (var (ns, name, uid, containers) in pods)
        {
            var seed = Seed(uid);
            var podStart = node.Created.AddSeconds(seed % 3600);
            var podElapsed = (now - podStart).TotalSeconds;
            w.WriteStartObject();
            w.WriteStartObject("podRef");
            w.WriteString("name", name);
            w.WriteString("namespace", ns);
            w.WriteString("uid", uid);
            w.WriteEndObject();
            w.WriteString("startTime", Time(podStart));
            w.WriteStartArray("containers");
            var i = 0;
            foreach (var container in containers)
            {
                var cseed = seed + (ulong)i++;
                w.WriteStartObject();
                w.WriteString("name", container);
                w.WriteString("startTime", Time(podStart.AddSeconds(3)));
                Cpu(w, cseed, podElapsed, stamp, 0.1);
                Memory(w, cseed, podElapsed, stamp, 150_000_000, 536_870_912);
                Fs(w, "rootfs", cseed, stamp, 85_000_000_000, 0.00001);
                Fs(w, "logs", cseed + 7, stamp, 85_000_000_000, 0.000002);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Cpu(w, seed, podElapsed, stamp, 0.1 * containers.Length);
            Memory(w, seed, podElapsed, stamp, 150_000_000 * containers.Length, null);
            Network(w, seed, podElapsed, stamp, "eth0", 5_000);
            w.WriteStartArray("volume");
            w.WriteStartObject();
            w.WriteString("time", stamp);
            w.WriteNumber("availableBytes", 8_000_000_000);
            w.WriteNumber("capacityBytes", 8_000_000_000);
            w.WriteNumber("usedBytes", 12_288);
            w.WriteNumber("inodesFree", 1_000_000);
            w.WriteNumber("inodes", 1_000_009);
            w.WriteNumber("inodesUsed", 9);
            w.WriteString("name", "kube-api-access-" + PodJson.Hex(uid, 5));
            w.WriteEndObject();
            w.WriteEndArray();
            Fs(w, "ephemeral-storage", seed + 3, stamp, 85_000_000_000, 0.00002);
            w.WriteStartObject("process_stats");
            w.WriteNumber("process_count", containers.Length * (int)(2 + (seed % 5)));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static ulong Seed(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211;
        }
        return h;
    }

    private static double Wave(ulong seed, double t) => Math.Sin((t / (60 + (seed % 240))) + (seed % 628 / 100.0));

    private static void Cpu(Utf8JsonWriter w, ulong seed, double elapsed, string stamp, double cores)
    {
        var rate = cores * (0.5 + (seed % 100 / 100.0));
        w.WriteStartObject("cpu");
        w.WriteString("time", stamp);
        w.WriteNumber("usageNanoCores", (long)(rate * 1e9 * (1 + (0.3 * Wave(seed, elapsed)))));
        w.WriteNumber("usageCoreNanoSeconds", (long)(rate * 1e9 * Math.Max(0, elapsed)));
        w.WriteEndObject();
    }

    private static void Memory(Utf8JsonWriter w, ulong seed, double elapsed, string stamp, long baseBytes, long? limit)
    {
        var usage = (long)(baseBytes * (0.8 + (seed % 40 / 100.0)) * (1 + (0.1 * Wave(seed >> 3, elapsed))));
        var workingSet = (long)(usage * 0.85);
        w.WriteStartObject("memory");
        w.WriteString("time", stamp);
        if (limit is { } l)
        {
            w.WriteNumber("availableBytes", Math.Max(0, l - workingSet));
        }
        w.WriteNumber("usageBytes", usage);
        w.WriteNumber("workingSetBytes", workingSet);
        w.WriteNumber("rssBytes", (long)(workingSet * 0.9));
        w.WriteNumber("pageFaults", (long)(Math.Max(0, elapsed) * 12) + (long)(seed % 10_000));
        w.WriteNumber("majorPageFaults", (long)(seed % 50));
        w.WriteEndObject();
    }

    private static void Network(Utf8JsonWriter w, ulong seed, double elapsed, string stamp, string iface, double bytesPerSecond)
    {
        var rx = (long)(bytesPerSecond * (0.5 + (seed % 100 / 100.0)) * Math.Max(0, elapsed));
        var tx = (long)(rx * 0.7);
        w.WriteStartObject("network");
        w.WriteString("time", stamp);
        w.WriteString("name", iface);
        w.WriteNumber("rxBytes", rx);
        w.WriteNumber("rxErrors", 0);
        w.WriteNumber("txBytes", tx);
        w.WriteNumber("txErrors", 0);
        w.WriteStartArray("interfaces");
        w.WriteStartObject();
        w.WriteString("name", iface);
        w.WriteNumber("rxBytes", rx);
        w.WriteNumber("rxErrors", 0);
        w.WriteNumber("txBytes", tx);
        w.WriteNumber("txErrors", 0);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Fs(Utf8JsonWriter w, string property, ulong seed, string stamp, long capacity, double usedShare)
    {
        var used = (long)(capacity * usedShare * (0.5 + (seed % 100 / 100.0)));
        w.WriteStartObject(property);
        w.WriteString("time", stamp);
        w.WriteNumber("availableBytes", capacity - used - (capacity / 10));
        w.WriteNumber("capacityBytes", capacity);
        w.WriteNumber("usedBytes", used);
        w.WriteNumber("inodesFree", 40_000_000 - (long)(seed % 1_000_000));
        w.WriteNumber("inodes", 41_000_000);
        w.WriteNumber("inodesUsed", 1_000_000 + (long)(seed % 1_000_000));
        w.WriteEndObject();
    }
}
