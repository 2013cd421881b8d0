using System.Text.Json;
using Dca.Sim.Store;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Kubectl;

/// <summary>The real kubectl with the DatadogMetric CRD: apply, get, the status subresource, watch, delete.</summary>
public sealed class KubectlCustomResourceTests
{
    private const string MetricYaml = """
        apiVersion: datadoghq.com/v1alpha1
        kind: DatadogMetric
        metadata:
          name: nginx-requests
          namespace: default
        spec:
          query: "QUERY"

        """;

    private static async Task<string> OkAsync(Support.Kubectl kubectl, CancellationToken ct, params string[] args)
    {
        var (code, stdout, stderr) = await kubectl.RunAsync(ct, args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}");
        Assert.DoesNotContain("error", stderr, StringComparison.OrdinalIgnoreCase);
        return stdout;
    }

    private static async Task<(Support.Kubectl Kubectl, string MetricFile)> ApplyCrdAndMetricAsync(Simulator sim, CancellationToken ct)
    {
        var kubectl = new Support.Kubectl(sim);
        var crdFile = Path.Combine(kubectl.Home, "crd.yaml");
        await File.WriteAllTextAsync(crdFile, DatadogMetricCrd.Yaml, ct);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/datadogmetrics.datadoghq.com created", await OkAsync(kubectl, ct, "apply", "-f", crdFile), StringComparison.Ordinal);
        var metricFile = Path.Combine(kubectl.Home, "metric.yaml");
        await File.WriteAllTextAsync(metricFile, MetricYaml.Replace("QUERY", DatadogMetricCrd.Query, StringComparison.Ordinal), ct);
        Assert.Contains("datadogmetric.datadoghq.com/nginx-requests created", await OkAsync(kubectl, ct, "apply", "-f", metricFile), StringComparison.Ordinal);
        return (kubectl, metricFile);
    }

    private static JsonElement Stored(Simulator sim)
    {
        var type = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        using var doc = sim.Store.Get(type, "default", "nginx-requests")!.ToJsonDocument();
        return doc.RootElement.Clone();
    }

    private static string? Get(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText();
    }

    [Fact]
    public Task ApplyCrdThenMetric_GetPrintsColumnsAndYaml() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        var (kubectl, metricFile) = await ApplyCrdAndMetricAsync(sim, ct);
        using var _ = kubectl;
        Assert.Contains("datadogmetric.datadoghq.com/nginx-requests unchanged", await OkAsync(kubectl, ct, "apply", "-f", metricFile), StringComparison.Ordinal);

        var table = (await OkAsync(kubectl, ct, "get", "datadogmetrics", "-A")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAMESPACE", "NAME", "ACTIVE", "VALID", "VALUE", "REFERENCES", "UPDATE", "TIME"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["default", "nginx-requests"], table.Skip(1).Single().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));

        var yaml = await OkAsync(kubectl, ct, "get", "datadogmetric", "nginx-requests", "-o", "yaml");
        Assert.Contains("apiVersion: datadoghq.com/v1alpha1", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: DatadogMetric", yaml, StringComparison.Ordinal);
        Assert.Contains("query: avg:nginx.net.request_per_s{kube_container_name:nginx}.rollup(60)", yaml, StringComparison.Ordinal);
        Assert.Contains("generation: 1", yaml, StringComparison.Ordinal);

        var crds = await OkAsync(kubectl, ct, "get", "crd");
        Assert.Contains(DatadogMetricCrd.Name, crds, StringComparison.Ordinal);
        Assert.Contains("CREATED AT", crds, StringComparison.Ordinal);
        Assert.Contains("datadogmetrics", await OkAsync(kubectl, ct, "api-resources", "--api-group=datadoghq.com"), StringComparison.Ordinal);
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task PatchStatusSubresource_ChangesStatusOnly_MainPatchKeepsStatusAndBumpsGeneration() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        var (kubectl, metricFile) = await ApplyCrdAndMetricAsync(sim, ct);
        using var _ = kubectl;

        await OkAsync(kubectl, ct, "patch", "datadogmetric", "nginx-requests", "--subresource=status", "--type=merge", "-p", """{"status":{"currentValue":"5"}}""");
        var afterStatus = Stored(sim);
        Assert.Equal(("5", DatadogMetricCrd.Query, "1"), (Get(afterStatus, "status", "currentValue"), Get(afterStatus, "spec", "query"), Get(afterStatus, "metadata", "generation")));
        // Columns with nothing selected print blank, as the real server's nil cells do; VALUE is the status's.
        var table = (await OkAsync(kubectl, ct, "get", "datadogmetrics")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var valueAt = table[0].IndexOf("VALUE", StringComparison.Ordinal);
        Assert.Equal("5", table[1][valueAt..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal(["nginx-requests", "5"], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));

        await OkAsync(kubectl, ct, "patch", "datadogmetric", "nginx-requests", "--type=merge", "-p", """{"status":{"currentValue":"9"}}""");
        var statusOnly = Stored(sim);
        Assert.Equal(("5", "1"), (Get(statusOnly, "status", "currentValue"), Get(statusOnly, "metadata", "generation")));

        await OkAsync(kubectl, ct, "patch", "datadogmetric", "nginx-requests", "--type=merge", "-p", """{"spec":{"query":"avg:other{*}"},"status":{"currentValue":"9"}}""");
        var afterSpec = Stored(sim);
        Assert.Equal(("5", "avg:other{*}", "2"), (Get(afterSpec, "status", "currentValue"), Get(afterSpec, "spec", "query"), Get(afterSpec, "metadata", "generation")));

        // Applying the manifest again puts the query back: one more generation, the status untouched.
        Assert.Contains("datadogmetric.datadoghq.com/nginx-requests configured", await OkAsync(kubectl, ct, "apply", "-f", metricFile), StringComparison.Ordinal);
        var reapplied = Stored(sim);
        Assert.Equal(("5", DatadogMetricCrd.Query, "3"), (Get(reapplied, "status", "currentValue"), Get(reapplied, "spec", "query"), Get(reapplied, "metadata", "generation")));
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task GetWatch_SeesMetricAddedModifiedDeleted() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        var (kubectl, _) = await ApplyCrdAndMetricAsync(sim, ct);
        using var __ = kubectl;
        var type = sim.CustomResource("datadoghq.com", "v1alpha1", "datadogmetrics")!;
        using var process = kubectl.Start("get", "datadogmetrics", "-n", "default", "-w", "--output-watch-events", "--no-headers");
        try
        {
            await ReadUntilAsync(process.StandardOutput, l => l.StartsWith("ADDED", StringComparison.Ordinal) && l.Contains("nginx-requests", StringComparison.Ordinal), ct);
            sim.UpdateStatus(type, DatadogMetricCrd.Metric("default", "nginx-requests", status: """{"currentValue":"12"}"""));
            await ReadUntilAsync(process.StandardOutput, l => l.StartsWith("MODIFIED", StringComparison.Ordinal) && l.Contains(" 12 ", StringComparison.Ordinal), ct);
            sim.Delete(type, "default", "nginx-requests");
            await ReadUntilAsync(process.StandardOutput, l => l.StartsWith("DELETED", StringComparison.Ordinal) && l.Contains("nginx-requests", StringComparison.Ordinal), ct);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task ApplyInvalidCrd_Fails422() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        using var kubectl = new Support.Kubectl(sim);
        var file = Path.Combine(kubectl.Home, "bad.yaml");
        await File.WriteAllTextAsync(file, DatadogMetricCrd.Yaml.Replace("name: datadogmetrics.datadoghq.com", "name: metrics.datadoghq.com", StringComparison.Ordinal), ct);
        var (code, _, stderr) = await kubectl.RunAsync(ct, "apply", "-f", file);
        Assert.NotEqual(0, code);
        Assert.Contains("is invalid", stderr, StringComparison.Ordinal);
        Assert.Contains("must be spec.names.plural+\".\"+spec.group", stderr, StringComparison.Ordinal);
        Assert.Empty(sim.Store.Objects(ResourceTypes.CustomResourceDefinitions));
    }, TimeSpan.FromSeconds(60));

    [Fact]
    public Task DeleteCrd_ResourceGoneFromServerAndDiscovery() => Bounded.RunAsync(async ct =>
    {
        await using var sim = await SimStart.SmallAsync(ct);
        var (kubectl, _) = await ApplyCrdAndMetricAsync(sim, ct);
        using var __ = kubectl;
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io \"datadogmetrics.datadoghq.com\" deleted",
            await OkAsync(kubectl, ct, "delete", "crd", DatadogMetricCrd.Name), StringComparison.Ordinal);
        var (code, _, stderr) = await kubectl.RunAsync(ct, "get", "--raw", "/apis/datadoghq.com/v1alpha1/namespaces/default/datadogmetrics/nginx-requests");
        Assert.NotEqual(0, code);
        Assert.Contains("NotFound", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("datadogmetrics", await OkAsync(kubectl, ct, "api-resources"), StringComparison.Ordinal);
        var (getCode, _, getErr) = await kubectl.RunAsync(ct, "get", "datadogmetrics");
        Assert.NotEqual(0, getCode);
        Assert.Contains("the server doesn't have a resource type \"datadogmetrics\"", getErr, StringComparison.Ordinal);
    }, TimeSpan.FromSeconds(90));

    private static async Task ReadUntilAsync(StreamReader reader, Func<string, bool> match, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (match(line))
            {
                return;
            }
        }
        Assert.Fail("kubectl ended before printing the expected line");
    }
}
