using BenchmarkDotNet.Attributes;
using Dca.Kubernetes.Models;

namespace Dca.Benchmarks;

/// <summary>
/// ISSUE 3 budget: parsing a 150,000-pod list body (managedFields, status, many labels) into the
/// trimmed models on one core, the way the client does it (streamed, no whole-body string).
/// Throughput = body size / mean time.
/// </summary>
[MemoryDiagnoser]
public class PodListParsing
{
    private byte[] _body = [];

    [GlobalSetup]
    public async Task Setup()
    {
        _body = await PodListBody.LoadAsync();
        Console.WriteLine($"// pod list body: {_body.Length / 1024.0 / 1024.0:F1} MB");
    }

    [Benchmark]
    public async Task<int> ParseStream()
    {
        using var stream = new MemoryStream(_body, writable: false);
        var list = await System.Text.Json.JsonSerializer.DeserializeAsync(stream, KubernetesJsonContext.Default.KubeListPod);
        return list!.Items!.Count;
    }
}
