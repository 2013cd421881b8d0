using System.Diagnostics;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// Issue 7: <c>loadtests/run.sh</c> runs every scenario against the native binaries and nginx and
/// prints its report. The small profile with seconds-long scenarios keeps the script from rotting;
/// the figures themselves come from the 5k and 50k runs in docs/benchmarks.md, never from a test.
/// </summary>
[Collection(LoadTestCollection.Name)]
public class LoadTestScriptTests
{
    [Fact]
    public async Task RunScript_SmallProfile_ReportsEveryScenarioWithoutErrors()
    {
        var root = Manifests.Root;
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "loadtests", "run.sh"), "small"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DCA_NATIVE_DIR"] = NativeProcess.Directory;
        start.Environment["DCA_SKIP_PUBLISH"] = "1";
        start.Environment["DCA_NO_APPEND"] = "1";
        start.Environment["PEAK_SECONDS"] = "2";
        start.Environment["FLEET_SECONDS"] = "2";
        using var script = Process.Start(start)!;
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4)))
        {
            try
            {
                await script.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM first: the script's trap stops what it started (a SIGKILL would leave dca, the
                // simulator and nginx on their fixed ports for the next run).
                await ScriptProcess.SignalAsync(script, "TERM", TimeSpan.FromSeconds(15));
                throw;
            }
        }
        var report = await stdout;
        Assert.True(script.ExitCode == 0, $"run.sh exited {script.ExitCode}:\n{report}\n{await stderr}");

        var rows = report.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| scenario", StringComparison.Ordinal)).ToList();
        Assert.Equal(["peak", "baseline", "fleet", "reconnect storm", "reconnect storm"], rows.Select(r => Cells(r)[0]));
        Assert.Equal(["dca", "nginx", "dca", "dca", "nginx"], rows.Select(r => Cells(r)[1]));
        foreach (var row in rows)
        {
            var cells = Cells(row);
            Assert.True(double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture) > 0, "requests/s: " + row);
            Assert.True(cells[7] == "0", "errors: " + row);
            Assert.EndsWith(" MB", cells[8], StringComparison.Ordinal);
        }
        Assert.Contains("Budgets:", report, StringComparison.Ordinal);
        Assert.Contains("peak ≥ 0.8 × nginx requests/s", report, StringComparison.Ordinal);
        Assert.Contains("Machine: ", report, StringComparison.Ordinal);
    }

    private static string[] Cells(string row) => [.. row.Trim('|', ' ').Split('|').Select(c => c.Trim())];
}

/// <summary>The load test saturates both cores for seconds: it runs alone, after this assembly's other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadTestCollection
{
    public const string Name = "load test script";
}
