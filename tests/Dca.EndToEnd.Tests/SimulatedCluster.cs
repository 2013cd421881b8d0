using System.Text.Json;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>The native <c>dca-sim</c> started for a test, with the kubeconfig it writes.</summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private SimulatedCluster(NativeProcess process, string directory, string kubeconfig, Uri api, int kubeletPort)
    {
        Process = process;
        Directory = directory;
        Kubeconfig = kubeconfig;
        Api = api;
        KubeletPort = kubeletPort;
        var lines = File.ReadAllLines(kubeconfig);
        Token = lines.Single(l => l.TrimStart().StartsWith("token: ", StringComparison.Ordinal)).Trim()["token: ".Length..];
        var ca = lines.Single(l => l.TrimStart().StartsWith("certificate-authority-data: ", StringComparison.Ordinal)).Trim()["certificate-authority-data: ".Length..];
        CaFile = Path.Combine(directory, "ca.crt");
        File.WriteAllBytes(CaFile, Convert.FromBase64String(ca));
    }

    public NativeProcess Process { get; }

    public string Directory { get; }

    public string Kubeconfig { get; }

    public Uri Api { get; }

    /// <summary>The kubelets' shared port (node i answers on 127.1.0.i+1).</summary>
    public int KubeletPort { get; }

    /// <summary>The admin token, which the kubelets also accept.</summary>
    public string Token { get; }

    /// <summary>The CA (PEM file) of the API server's and kubelets' certificates.</summary>
    public string CaFile { get; }

    /// <summary>A client for the simulated API server with the admin token.</summary>
    public HttpClient ApiClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        var http = new HttpClient(handler) { BaseAddress = Api };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    public static async Task<SimulatedCluster> StartAsync(string profile = "small", params string[] extraArgs)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("dca-e2e-").FullName;
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var process = NativeProcess.Start("dca-sim", ["--profile", profile, "--kubeconfig-out", kubeconfig, .. extraArgs]);
        var ready = await process.WaitForStdoutLineAsync(l => l.StartsWith("dca-sim ready ", StringComparison.Ordinal), "dca-sim to be ready");
        using var info = JsonDocument.Parse(ready["dca-sim ready ".Length..]);
        return new SimulatedCluster(process, directory, kubeconfig, new Uri(info.RootElement.GetProperty("api").GetString()!),
            info.RootElement.GetProperty("kubeletPort").GetInt32());
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
