using System.Diagnostics;
using System.Text.Json;
using Dca.Sim.Tests.Support;

namespace Dca.Sim.Tests.Cli;

/// <summary>The <c>dca-sim</c> executable, run as a process.</summary>
public sealed class CliTests
{
    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dca-sim"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return Process.Start(info)!;
    }

    [Fact]
    public Task BadOption_ExitsTwoWithOneLineNamingIt() => Bounded.RunAsync(async ct =>
    {
        using var process = Start("--nodes", "many");
        var stderr = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("nodes", line, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("many", line, StringComparison.Ordinal);
    });

    [Fact]
    public Task Help_ListsScenarioAndFaultOptions() => Bounded.RunAsync(async ct =>
    {
        using var process = Start("--help");
        var stdout = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.Equal(0, process.ExitCode);
        foreach (var flag in new[] { "--profile", "--kubeconfig-out", "--api-port", "--kubelet-port", "--http", "--token", "--seed", "--churn", "--events", "--error-rate", "--throttle-rate", "--watch-drop-seconds", "--watch-stall", "--latency-ms" })
        {
            Assert.Contains(flag, stdout, StringComparison.Ordinal);
        }
    });

    [Fact]
    public Task Run_PrintsReadyLineServesAndExitsCleanlyOnSigterm() => Bounded.RunAsync(async ct =>
    {
        var dir = Directory.CreateTempSubdirectory("dca-sim-cli-").FullName;
        var kubeconfig = Path.Combine(dir, "kc");
        using var process = Start("--profile", "small", "--kubeconfig-out", kubeconfig, "--token", "cli-token,extra=other-token");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(ct);
            Assert.NotNull(line);
            Assert.StartsWith("dca-sim ready {", line, StringComparison.Ordinal);
            Assert.DoesNotContain("cli-token", line, StringComparison.Ordinal);
            using var ready = JsonDocument.Parse(line["dca-sim ready ".Length..]);
            var root = ready.RootElement;
            Assert.Equal(kubeconfig, root.GetProperty("kubeconfig").GetString());
            Assert.Equal((5, 100), (root.GetProperty("nodes").GetInt32(), root.GetProperty("pods").GetInt32()));
            Assert.True(root.GetProperty("kubeletPort").GetInt32() > 0);
            Assert.StartsWith("https://127.0.0.1:", root.GetProperty("api").GetString(), StringComparison.Ordinal);
            Assert.Contains("token: cli-token", await File.ReadAllTextAsync(kubeconfig, ct), StringComparison.Ordinal);

            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(ct);
            var stopped = Stopwatch.StartNew();
            using var exitBudget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            exitBudget.CancelAfter(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(exitBudget.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            Directory.Delete(dir, recursive: true);
        }
    });
}
