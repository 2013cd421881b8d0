using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Kubectl;

/// <summary>The real kubectl against the simulator, through the kubeconfig it writes.</summary>
public sealed class KubectlTests
{
    private static async Task<string> OkAsync(Support.Kubectl kubectl, CancellationToken ct, params string[] args)
    {
        var (code, stdout, stderr) = await kubectl.RunAsync(ct, args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}");
        Assert.DoesNotContain("error", stderr, StringComparison.OrdinalIgnoreCase);
        return stdout;
    }

    private static string[] Rows(string table) =>
        [.. table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])];

    [Fact]
    public Task GetNodes_ListsEverySimulatedNodeReady() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        var output = await OkAsync(kubectl, ct, "get", "nodes");
        Assert.StartsWith("NAME", output, StringComparison.Ordinal);
        Assert.Equal(sim.NodeNames, Rows(output));
        Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), l => Assert.Contains(" Ready ", l, StringComparison.Ordinal));
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task GetPodsAllNamespacesJson_MatchesStore() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        using var doc = JsonDocument.Parse(await OkAsync(kubectl, ct, "get", "pods", "-A", "-o", "json"));
        var fromKubectl = doc.RootElement.GetProperty("items").EnumerateArray()
            .Select(p => p.GetProperty("metadata").GetProperty("namespace").GetString() + "/" + p.GetProperty("metadata").GetProperty("name").GetString())
            .Order(StringComparer.Ordinal).ToList();
        var truth = sim.Store.Objects(ResourceTypes.Pods).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(30, truth.Count);
        Assert.Equal(truth, fromKubectl);
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task GetEndpointSlicesAllNamespaces_ListsEverySlice() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        var output = await OkAsync(kubectl, ct, "get", "endpointslices", "-A", "--no-headers");
        var names = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Order(StringComparer.Ordinal);
        Assert.Equal(sim.Store.Objects(ResourceTypes.EndpointSlices).Select(s => s.Name).Order(StringComparer.Ordinal), names);
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task GetLeasesAllNamespaces_ListsNodeAndControlPlaneLeases() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        var output = await OkAsync(kubectl, ct, "get", "leases", "-A");
        Assert.Contains("kube-node-lease", output, StringComparison.Ordinal);
        Assert.Contains("kube-controller-manager", output, StringComparison.Ordinal);
        Assert.Equal(sim.Store.Count(ResourceTypes.Leases), output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task CreateConfigMap_FromLiteral_StoredWithData() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        Assert.Contains("configmap/x created", await OkAsync(kubectl, ct, "create", "configmap", "x", "--from-literal=a=b"), StringComparison.Ordinal);
        var stored = sim.Store.Get(ResourceTypes.ConfigMaps, "default", "x");
        Assert.NotNull(stored);
        using var doc = stored.ToJsonDocument();
        Assert.Equal("b", doc.RootElement.GetProperty("data").GetProperty("a").GetString());
        var (code, _, stderr) = await kubectl.RunAsync(ct, "create", "configmap", "x", "--from-literal=a=b");
        Assert.NotEqual(0, code);
        Assert.Contains("configmaps \"x\" already exists", stderr, StringComparison.Ordinal);
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task ApplyConfigMap_ThenReapplyChanged_UpdatesData() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        var file = Path.Combine(kubectl.Home, "cm.yaml");
        const string Yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n  key: VALUE\n";
        await File.WriteAllTextAsync(file, Yaml.Replace("VALUE", "one", StringComparison.Ordinal), ct);
        Assert.Contains("configmap/applied created", await OkAsync(kubectl, ct, "apply", "-f", file), StringComparison.Ordinal);
        var first = sim.Store.Get(ResourceTypes.ConfigMaps, "default", "applied")!;
        await File.WriteAllTextAsync(file, Yaml.Replace("VALUE", "two", StringComparison.Ordinal), ct);
        Assert.Contains("configmap/applied configured", await OkAsync(kubectl, ct, "apply", "-f", file), StringComparison.Ordinal);
        Assert.Contains("configmap/applied unchanged", await OkAsync(kubectl, ct, "apply", "-f", file), StringComparison.Ordinal);
        var second = sim.Store.Get(ResourceTypes.ConfigMaps, "default", "applied")!;
        using var doc = second.ToJsonDocument();
        Assert.Equal("two", doc.RootElement.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal(first.Uid, second.Uid);
        Assert.True(second.ResourceVersion > first.ResourceVersion);
        Assert.True(doc.RootElement.GetProperty("metadata").GetProperty("annotations").TryGetProperty("kubectl.kubernetes.io/last-applied-configuration", out _));
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task GetPodsWatch_SeesPodCreatedAfterStart() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        using var process = kubectl.Start("get", "pods", "-n", "app-0", "-w");
        try
        {
            // The initial list comes first: wait for a known pod, then make the change.
            var known = sim.Store.Objects(ResourceTypes.Pods).First(p => p.Namespace == "app-0").Name;
            await ReadUntilAsync(process.StandardOutput, known, ct);
            sim.Create(ResourceTypes.Pods, """{"metadata":{"name":"watched-pod","namespace":"app-0"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}""");
            await ReadUntilAsync(process.StandardOutput, "watched-pod", ct);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }, TimeSpan.FromSeconds(60));

    private static async Task ReadUntilAsync(StreamReader reader, string text, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
        }
        Assert.Fail($"kubectl ended before printing {text}");
    }
}
