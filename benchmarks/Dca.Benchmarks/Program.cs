using System.Diagnostics;
using BenchmarkDotNet.Running;
using Dca.Benchmarks;
using Dca.Kubernetes.Models;

// "heap": the retained-memory measurement (bytes per pod after parsing); anything else goes to BenchmarkDotNet.
if (args is ["one"])
{
    var body = await PodListBody.LoadAsync();
    var start = body.AsSpan().IndexOf("\"items\":["u8) + 9;
    var reader0 = new System.Text.Json.Utf8JsonReader(body.AsSpan(start, 20000));
    reader0.Read();
    reader0.Skip();
    var pod = body.AsSpan(start, (int)reader0.BytesConsumed).ToArray();
    Console.WriteLine($"one pod: {pod.Length} bytes");
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2000; i++)
        {
            var r = new System.Text.Json.Utf8JsonReader(pod);
            while (r.Read())
            {
            }
        }
        Console.WriteLine($"reader only: {clock.Elapsed.TotalMilliseconds * 1000 / 2000:F1} us/pass; tiered={System.Runtime.JitInfo.GetCompiledMethodCount()} methods");
    }
    foreach (var (name, info) in new (string, System.Text.Json.Serialization.Metadata.JsonTypeInfo)[] {
        ("Pod", KubernetesJsonContext.Default.Pod), ("ObjectMeta", KubernetesJsonContext.Default.ObjectMeta),
        ("PodSpec", KubernetesJsonContext.Default.PodSpec), ("PodStatus", KubernetesJsonContext.Default.PodStatus) })
    {
        var clock = Stopwatch.StartNew();
        var alloc = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            System.Text.Json.JsonSerializer.Deserialize(pod, info);
        }
        Console.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds * 1000 / 2000:F1} us/parse, {(GC.GetAllocatedBytesForCurrentThread() - alloc) / 2000} bytes allocated");
    }
    return;
}
if (args is ["progress"])
{
    var body = await PodListBody.LoadAsync();
    var reader = new System.Text.Json.Utf8JsonReader(body);
    while (reader.Read() && !(reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.ValueTextEquals("items"u8)))
    {
    }
    reader.Read();
    var clock = Stopwatch.StartNew();
    var pods = new List<Pod>();
    while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.StartObject)
    {
        pods.Add(System.Text.Json.JsonSerializer.Deserialize(ref reader, KubernetesJsonContext.Default.Pod)!);
        if (pods.Count % 10000 == 0)
        {
            Console.WriteLine($"{pods.Count}: {clock.Elapsed.TotalSeconds:F2} s, heap {GC.GetTotalMemory(false) / 1048576} MiB, gen0 {GC.CollectionCount(0)} gen2 {GC.CollectionCount(2)}");
        }
    }
    return;
}
if (args is ["heap-sync"])
{
    var body = await PodListBody.LoadAsync();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var clock = Stopwatch.StartNew();
    var list = System.Text.Json.JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.KubeListPod);
    var seconds = clock.Elapsed.TotalSeconds;
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"sync parse: {seconds:F2} s = {body.Length / 1048576.0 / seconds:F0} MiB/s; held {(after - before) / (double)list!.Items!.Count:F0} bytes/pod");
    GC.KeepAlive(list);
    return;
}
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
BenchmarkSwitcher.FromAssembly(typeof(PodListParsing).Assembly).Run(args);
