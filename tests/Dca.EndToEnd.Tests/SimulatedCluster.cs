using System.Text.Json;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>The native <c>dca-sim</c> started for a test, with the kubeconfig it writes.</summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private SimulatedCluster(NativeProcess process, string directory, string kubeconfig, Uri api)
    {
        Process = process;
        Directory = directory;
        Kubeconfig = kubeconfig;
        Api = api;
    }

    public NativeProcess Process { get; }

    public string Directory { get; }

    public string Kubeconfig { get; }

    public Uri Api { get; }

    public static async Task<SimulatedCluster> StartAsync(string profile = "small", params string[] extraArgs)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("dca-e2e-").FullName;
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var process = NativeProcess.Start("dca-sim", ["--profile", profile, "--kubeconfig-out", kubeconfig, .. extraArgs]);
        var ready = await process.WaitForStdoutLineAsync(l => l.StartsWith("dca-sim ready ", StringComparison.Ordinal), "dca-sim to be ready");
        using var info = JsonDocument.Parse(ready["dca-sim ready ".Length..]);
        return new SimulatedCluster(process, directory, kubeconfig, new Uri(info.RootElement.GetProperty("api").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
