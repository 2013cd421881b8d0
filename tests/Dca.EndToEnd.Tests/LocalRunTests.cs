using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// README's first command: <c>./dev run</c> with three replicas shows the leader, every node agent tagging
/// from the cluster agent, enriched metrics and collected events; Ctrl-C (SIGINT) stops every process.
/// Runs the published binaries (DCA_RUN_BIN) on the local run's fixed ports, so alone.
/// </summary>
[Collection(LoadTestCollection.Name)]
public sealed partial class LocalRunTests
{
    [Fact]
    public async Task DevRun_ThreeReplicas_ShowsLeaderNodeAgentsMetricsAndEvents_ThenCtrlCStopsEverything()
    {
        var dir = Directory.CreateTempSubdirectory("dca-local-run-").FullName;
        var start = new ProcessStartInfo("bash", [Path.Combine(Manifests.Root, "dev"), "run"])
        {
            WorkingDirectory = Manifests.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DCA_REPLICAS"] = "3";
        start.Environment["DCA_RUN_BIN"] = NativeProcess.Directory;
        start.Environment["DCA_RUN_DIR"] = dir;
        start.Environment["DCA_STATUS_SECONDS"] = "1";
        var lines = new ConcurrentQueue<string>();
        using var run = new Process { StartInfo = start };
        run.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        run.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        run.Start();
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            await Wait.UntilAsync(() => lines.Any(l => Status().Match(l) is { Success: true } m && int.Parse(m.Groups["events"].Value, CultureInfo.InvariantCulture) > 0)
                    && lines.Any(l => l.Contains("kubernetes.memory.usage:", StringComparison.Ordinal) && l.Contains("kube_service:", StringComparison.Ordinal))
                    && lines.Any(l => l.Contains("last event: ", StringComparison.Ordinal)),
                "status lines with a leader, 3/3 replicas, 5/5 node agents, events, a tagged metric and the last event", TimeSpan.FromSeconds(90));
            Assert.Contains(lines, l => l.Contains("dca status", StringComparison.Ordinal));
        }
        finally
        {
            await ScriptProcess.SignalAsync(run, "INT", TimeSpan.FromSeconds(30));
        }
        Assert.True(run.HasExited && run.ExitCode == 130, "./dev run ends on SIGINT with 130");
        Assert.Contains(lines, l => l.Contains("stopped every process of the local run", StringComparison.Ordinal));
        // Nothing it started is left: every port of the run is closed.
        foreach (var (host, port) in new[] { ("127.0.0.1", 5005), ("127.0.0.1", 5015), ("127.0.0.1", 5025), ("127.0.0.1", 5556), ("127.1.0.1", 5001), ("127.1.0.5", 5555) })
        {
            await Wait.UntilAsync(async () =>
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(host, port);
                    return false;
                }
                catch (SocketException)
                {
                    return true;
                }
            }, $"{host}:{port} to be closed", TimeSpan.FromSeconds(20));
        }
        Directory.Delete(dir, recursive: true);
    }

    [GeneratedRegex(@"leader: dca-[0-2] \(https://127\.0\.0\.1:50[0-2]5\) \| cluster agents answering: 3/3 \| node agents tagging from the cluster agent: 5/5 \| events collected: (?<events>[0-9]+)")]
    private static partial Regex Status();
}
