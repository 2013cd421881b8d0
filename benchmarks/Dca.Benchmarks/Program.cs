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
BenchmarkSwitcher.FromAssembly(typeof(PodListParsing).Assembly).Run(args);
