using System.Net.Http.Headers;
using Dca.Sim;
using Dca.Sim.Scenarios;

namespace Dca.Benchmarks;

/// <summary>A realistic pod list body: the simulator's 5k profile (150,000 pods), fetched once and cached on disk.</summary>
internal static class PodListBody
{
    public static async Task<byte[]> LoadAsync()
    {
        var cache = Path.Combine(Path.GetTempPath(), "dca-bench-podlist-5k.json");
        if (File.Exists(cache))
        {
            return await File.ReadAllBytesAsync(cache);
        }
        await using var sim = await Simulator.StartAsync(new SimulatorOptions
        {
            Scenario = ScenarioOptions.FiveK,
            RunActivity = false,
            Kubelets = false,
        });
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler) { BaseAddress = sim.ApiUri, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sim.Token);
        var body = await http.GetByteArrayAsync(new Uri("/api/v1/pods", UriKind.Relative));
        await File.WriteAllBytesAsync(cache, body);
        return body;
    }
}
