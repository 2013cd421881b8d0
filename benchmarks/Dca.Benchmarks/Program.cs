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

// "sim-objects ...": many objects created in a running simulator (loadtests/pathological.sh; see SimObjectLoader).
if (args is ["sim-objects", .. var objectArgs])
{
    Environment.ExitCode = await SimObjectLoader.RunAsync(objectArgs);
    return;
}

// "alloc": bytes allocated per hot-handler call, measured directly (a quick check beside BenchmarkDotNet's).
if (args is ["alloc"])
{
    var bench = new HotHandlers();
    bench.Setup();
    foreach (var (name, call) in new (string, Func<Task>)[] { ("tags/node/{node}", bench.NodeLabels), ("tags/pod/{node}", bench.PodTagsForNode), ("tags/node/{node}", bench.NodeLabels), ("tags/pod/{node} without Accept-Encoding: gzip", bench.PodTagsForNodeWithoutGzip) })
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
// "heap-external-metrics": issue 10's budget state: 1,000 HPAs, each on a deployment of 10 pods whose cpu and memory
// series (10 tags each) node agents push; the store's managed memory, then 1,000 HPA queries' latency.
if (args is ["heap-external-metrics"])
{
    var time = TimeProvider.System;
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var store = new Dca.ExternalMetrics.AgentSeriesStore(time, TimeSpan.FromSeconds(120));
    var now = time.GetUtcNow().ToUnixTimeSeconds();
    for (var d = 0; d < 1000; d++)
    {
        for (var p = 0; p < 10; p++)
        {
            string[] tags = [$"kube_deployment:web-{d:D4}", $"kube_namespace:ns-{d % 50:D2}", $"pod_name:web-{d:D4}-{p:D2}-7f9c", $"kube_container_name:app",
                $"container_name:app", $"kube_replica_set:web-{d:D4}-7f9c", "kube_service:web", $"image_tag:1.{d % 7}", "short_image:app", $"kube_ownerref_name:web-{d:D4}-7f9c"];
            var host = $"node-{(d * 10 + p) % 5000:D5}";
            store.Add("kubernetes.cpu.usage.total", host, tags, now, 1e8 + p);
            store.Add("kubernetes.memory.usage", host, tags, now, 2e8 + p);
        }
    }
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"{store.SeriesCount} series: managed heap held by the store {(after - before) / 1048576.0:F1} MiB");
    var latencies = new List<double>();
    for (var round = 0; round < 3; round++)
    {
        for (var d = 0; d < 1000; d++)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = store.Query(d % 2 == 0 ? "kubernetes.cpu.usage.total" : "kubernetes.memory.usage",
                Dca.ExternalMetrics.MetricSelector.Parse($"kube_deployment=web-{d:D4},kube_namespace=ns-{d % 50:D2}"));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (answer.Series != 10)
            {
                throw new InvalidOperationException("wrong answer");
            }
        }
    }
    latencies.Sort();
    Console.WriteLine($"1,000 HPA queries x 3: p50 {latencies[latencies.Count / 2]:F3} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F3} ms, max {latencies[^1]:F3} ms (the tag index narrows each to its deployment's 10 of the metric's 10,000 series)");
    GC.KeepAlive(store);
    return;
}
// "paced-https ...": HPAs polling an external metrics provider at their rate (loadtests/external-metrics.sh).
if (args is ["paced-https", .. var rest])
{
    Environment.ExitCode = await PacedHttpsLoad.RunAsync(rest);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PodListParsing).Assembly).Run(args);
