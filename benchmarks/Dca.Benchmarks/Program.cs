using System.Diagnostics;
using BenchmarkDotNet.Running;
using Dca.Benchmarks;
using Dca.Kubernetes.Models;

// "heap": the retained-memory measurement (bytes per pod after parsing); anything else goes to BenchmarkDotNet.
if (args is ["heap"])
{
    var body = await PodListBody.LoadAsync();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var clock = Stopwatch.StartNew();
    using var stream = new MemoryStream(body, writable: false);
    var list = await System.Text.Json.JsonSerializer.DeserializeAsync(stream, KubernetesJsonContext.Default.KubeListPod);
    var seconds = clock.Elapsed.TotalSeconds;
    var after = GC.GetTotalMemory(forceFullCollection: true);
    var pods = list!.Items!.Count;
    Console.WriteLine($"pods: {pods}; body: {body.Length / 1048576.0:F1} MiB ({body.Length / (double)pods:F0} bytes/pod on the wire)");
    Console.WriteLine($"one cold parse: {seconds:F2} s = {body.Length / 1048576.0 / seconds:F0} MiB/s");
    Console.WriteLine($"managed heap held by the parsed list: {(after - before) / 1048576.0:F1} MiB = {(after - before) / (double)pods:F0} bytes/pod");
    GC.KeepAlive(list);
    return;
}
// "heap-resources KUBECONFIG": managed memory held per resource the cluster agent watches (tuning aid).
if (args is ["heap-resources", var kubeconfig])
{
    var endpoint = Dca.Kubernetes.Config.KubeConfigLoader.Load([kubeconfig], null, TimeProvider.System);
    using var client = new Dca.Kubernetes.Client.KubernetesClient(endpoint, new Dca.Kubernetes.Client.KubernetesClientOptions(),
        Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);
    async Task Measure<T>(string name, ResourceKind<T> kind) where T : class, IKubernetesObject
    {
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        var before = GC.GetTotalMemory(true);
        var (items, _) = await client.ListAllAsync(kind, new Dca.Kubernetes.Client.ListOptions(), CancellationToken.None);
        var after = GC.GetTotalMemory(true);
        Console.WriteLine($"{name}: {items.Count} objects, {(after - before) / 1048576.0:F1} MiB, {(after - before) / Math.Max(1, items.Count)} bytes/object");
        GC.KeepAlive(items);
    }
    await Measure("nodes (metadata)", Resources.NodeMetadata);
    await Measure("namespaces (metadata)", Resources.NamespaceMetadata);
    await Measure("endpointslices", Resources.EndpointSlices);
    return;
}

// "alloc": bytes allocated per hot-handler call, measured directly (a quick check beside BenchmarkDotNet's).
if (args is ["alloc"])
{
    var bench = new HotHandlers();
    bench.Setup();
    foreach (var (name, call) in new (string, Func<Task>)[] { ("tags/node/{node}", bench.NodeLabels), ("tags/pod/{node}", bench.PodTagsForNode), ("tags/node/{node}", bench.NodeLabels) })
    {
        for (var i = 0; i < 100_000; i++)
        {
            await call();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            await call();
        }
        Console.WriteLine($"{name}: {(GC.GetAllocatedBytesForCurrentThread() - before) / 100_000.0:F2} bytes/request");
    }
    return;
}
// "heap-dispatch": managed memory the cluster-check dispatcher holds for 10,000 checks over 5,000 nodes (issue 9's budget).
if (args is ["heap-dispatch"])
{
    var bench = new ClusterCheckDispatch();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var clock = Stopwatch.StartNew();
    bench.Setup();
    var built = clock.Elapsed.TotalMilliseconds;
    var bodies = bench.ServeEveryNode();
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"10,000 checks over 5,000 nodes: dispatched in {built:F0} ms (configurations built, heartbeats, placement); every node's configurations body served once ({bodies / 1048576.0:F1} MiB written)");
    Console.WriteLine($"managed heap held by the dispatcher, the configurations and their wire bytes included: {(after - before) / 1048576.0:F1} MiB");
    GC.KeepAlive(bench);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PodListParsing).Assembly).Run(args);
