using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Sim;
using Dca.Sim.Faults;
using Dca.Sim.Store;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Kubernetes.Tests.Simulated;

/// <summary>
/// ISSUE 3, "Kept honest": reflectors against the simulator under every fault switch. After churn
/// stops and faults clear, each reflector's store equals the simulator's objects exactly, and the
/// handler saw no duplicate and no missed change.
/// </summary>
public class ReflectorConsistencyTests
{
    public static TheoryData<string> Faults => new() { "none", "errors", "throttle", "watch-drops", "watch-stall", "latency", "compaction" };

    private static FaultSettings Settings(string fault) => fault switch
    {
        "errors" => new FaultSettings { ErrorRate = 0.3 },
        "throttle" => new FaultSettings { ThrottleRate = 0.3, RetryAfterSeconds = 1 },
        "watch-drops" => new FaultSettings { WatchDropSeconds = 1 },
        "watch-stall" => new FaultSettings { WatchStall = true },
        "latency" => new FaultSettings { LatencyMilliseconds = 40 },
        _ => FaultSettings.None,
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Reflectors_UnderFault_ConvergeToTheSimulatorsObjects(string fault)
    {
        await using var sim = await Simulator.StartAsync(new SimulatorOptions
        {
            Scenario = Sim.Scenarios.ScenarioOptions.Small with { Nodes = 8, PodsPerNode = 15, Services = 12 },
            RunActivity = false,
            Kubelets = false,
            HistoryCapacity = 2_000,
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
        }).WithTimeout();
        var endpoint = KubeConfigLoader.Load([sim.KubeconfigPath], null, TimeProvider.System);
        using var client = new KubernetesClient(endpoint, new KubernetesClientOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
            Qps = 10_000,
            Burst = 10_000,
        }, NullLoggerFactory.Instance, TimeProvider.System);
        var options = new ReflectorOptions
        {
            PageSize = 25,
            IdleTimeout = TimeSpan.FromSeconds(1.5),
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(300),
            MinWatchTimeout = TimeSpan.FromSeconds(5),
        };
        var podMirror = new MirrorHandler<Pod>();
        var sliceMirror = new MirrorHandler<EndpointSlice>();
        var pods = new Reflector<Pod>(client, Resources.Pods, options, podMirror, NullLoggerFactory.Instance);
        var slices = new Reflector<EndpointSlice>(client, Resources.EndpointSlices, options, sliceMirror, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var loops = Task.WhenAll(pods.RunAsync(stop.Token), slices.RunAsync(stop.Token));

        await Wait.UntilAsync(() => pods.HasSynced && slices.HasSynced, "the first lists");
        sim.SetFaults(Settings(fault));
        // Reopen every watch so that watch faults apply to them too.
        sim.CloseWatches();
        for (var round = 0; round < 30; round++)
        {
            sim.Churn(2);
            if (fault == "compaction" && round % 10 == 1)
            {
                sim.Compact();
                sim.CloseWatches();
            }
            await Task.Delay(50);
        }
        sim.SetFaults(FaultSettings.None);

        await Wait.UntilAsync(() => Matches(sim, ResourceTypes.Pods, pods) && Matches(sim, ResourceTypes.EndpointSlices, slices),
            $"the reflectors to converge after '{fault}'", TimeSpan.FromSeconds(45));
        await stop.CancelAsync();
        await loops.WithTimeout();

        Assert.Equal(Truth(sim, ResourceTypes.Pods), podMirror.Mirror.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}@{p.Value}"));
        Assert.Equal(Truth(sim, ResourceTypes.EndpointSlices), sliceMirror.Mirror.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}@{p.Value}"));
        Assert.Equal(0, podMirror.Duplicates + sliceMirror.Duplicates);
        Assert.Equal(0, podMirror.Misses + sliceMirror.Misses);
        switch (fault)
        {
            case "compaction":
                Assert.True(pods.Relists + slices.Relists > 2, "compaction must force relists");
                break;
            case "watch-stall":
                Assert.True(pods.Errors + slices.Errors > 0, "the idle watchdog must have abandoned stalled watches");
                break;
            case "watch-drops":
                Assert.True(pods.Errors + slices.Errors + pods.WatchRestarts + slices.WatchRestarts > 2, "dropped watches must be reopened");
                break;
            default:
                break;
        }
    }

    private static List<string> Truth(Simulator sim, ResourceType type) =>
        [.. sim.Store.Objects(type).Select(o => $"{o.Key}@{o.ResourceVersion}").Order(StringComparer.Ordinal)];

    private static bool Matches<T>(Simulator sim, ResourceType type, Reflector<T> reflector) where T : class, IKubernetesObject =>
        Truth(sim, type).SequenceEqual(reflector.Store.Items.Select(i => $"{i.Metadata.Key}@{i.Metadata.ResourceVersion}").Order(StringComparer.Ordinal));
}
