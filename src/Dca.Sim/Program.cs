using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Dca.Hosting;
using Dca.Sim.Cli;
using Dca.Sim.Store;

namespace Dca.Sim;

internal static class Program
{
    private static readonly AgentDescription s_description = new(
        "dca-sim",
        "a Kubernetes API server and kubelet simulator for local runs, tests and load tests",
        ["dca-sim --profile <small|5k|50k> --kubeconfig-out <file> [options]"]);

    public static Task<int> Main(string[] args) => AgentProgram.RunAsync(s_description, args, SimOptions.All, RunAsync);

    private static async Task<int> RunAsync(AgentContext context)
    {
        var options = SimOptions.Read(context.Options);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var sim = await Simulator.StartAsync(options, stop.Token);
        Console.Out.WriteLine("dca-sim ready " + ReadyJson(sim));
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or SIGINT: dispose stops the servers.
        }
        return 0;

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Where the cluster listens, for scripts: never the token.</summary>
    private static string ReadyJson(Simulator sim)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("api", sim.ApiUri.ToString().TrimEnd('/'));
            w.WriteString("kubeconfig", sim.KubeconfigPath);
            w.WriteNumber("kubeletPort", sim.KubeletPort);
            w.WriteNumber("nodes", sim.Store.Count(ResourceTypes.Nodes));
            w.WriteNumber("pods", sim.Options.Scenario.LazyPods
                ? (long)sim.Options.Scenario.Nodes * sim.Options.Scenario.PodsPerNode
                : sim.Store.Count(ResourceTypes.Pods));
            w.WriteNumber("services", sim.Store.Count(ResourceTypes.Services));
            w.WriteString("resourceVersion", sim.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
