namespace Dca.EndToEnd.Tests;

/// <summary>
/// Issue 11: <c>loadtests/chaos.sh</c> runs the fault matrix against the native binaries. Two faults with a short
/// window keep the script and its harness from rotting; the full matrix is in docs/reliability.md, never a test.
/// </summary>
[Collection(LoadTestCollection.Name)]
public class ChaosScriptTests
{
    [Fact]
    public async Task ChaosScript_TwoFaults_EveryComponentRecoversWithNothingLostOrDuplicated()
    {
        var (exitCode, report, stderr) = await ScriptProcess.RunAsync("loadtests/chaos.sh", ["3", "60"],
            new Dictionary<string, string> { ["FAULTS"] = "5xx burst,API server restart" }, TimeSpan.FromMinutes(6));
        Assert.True(exitCode == 0, $"chaos.sh exited {exitCode}:\n{report}\n{stderr}");

        var rows = report.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| fault", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, rows.Count);
        Assert.Equal(["5xx burst", "API server restart"], rows.Select(r => ScriptProcess.Cells(r)[0]).Distinct());
        Assert.All(rows, r => Assert.Equal(["yes", "yes"], [ScriptProcess.Cells(r)[2], ScriptProcess.Cells(r)[6]]));
        Assert.Contains("12 cells: 12 recovered", report, StringComparison.Ordinal);
        Assert.Contains("Machine: ", report, StringComparison.Ordinal);
    }
}
