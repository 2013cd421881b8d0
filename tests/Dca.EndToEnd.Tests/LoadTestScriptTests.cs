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
        var (exitCode, report, stderr) = await ScriptProcess.RunAsync("loadtests/run.sh", ["small"],
            new Dictionary<string, string> { ["PEAK_SECONDS"] = "2", ["FLEET_SECONDS"] = "2" }, TimeSpan.FromMinutes(4));
        Assert.True(exitCode == 0, $"run.sh exited {exitCode}:\n{report}\n{stderr}");

        var rows = report.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| scenario", StringComparison.Ordinal)).ToList();
        Assert.Equal(["peak", "baseline", "fleet", "reconnect storm", "reconnect storm"], rows.Select(r => ScriptProcess.Cells(r)[0]));
        Assert.Equal(["dca", "nginx", "dca", "dca", "nginx"], rows.Select(r => ScriptProcess.Cells(r)[1]));
        foreach (var row in rows)
        {
            var cells = ScriptProcess.Cells(row);
            Assert.True(double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture) > 0, "requests/s: " + row);
            Assert.True(cells[7] == "0", "errors: " + row);
            Assert.EndsWith(" MB", cells[8], StringComparison.Ordinal);
        }
        Assert.Contains("Budgets:", report, StringComparison.Ordinal);
        Assert.Contains("peak ≥ 0.8 × nginx requests/s", report, StringComparison.Ordinal);
        Assert.Contains("Machine: ", report, StringComparison.Ordinal);
    }

}

/// <summary>The load test saturates both cores for seconds: it runs alone, after this assembly's other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadTestCollection
{
    public const string Name = "load test script";
}
