using System.Diagnostics;
using System.Globalization;

namespace Dca.EndToEnd.Tests;

/// <summary>Running a repository script as a user does, and stopping it the same way (a signal its traps handle), so it stops what it started.</summary>
public static class ScriptProcess
{
    /// <summary>
    /// Runs <c>bash &lt;repository&gt;/<paramref name="script"/> <paramref name="args"/></c> from the repository root with the native
    /// binaries already published (<c>DCA_SKIP_PUBLISH</c>) and nothing appended to the docs (<c>DCA_NO_APPEND</c>); past
    /// <paramref name="deadline"/> it is sent SIGTERM (a SIGKILL would leave its processes on their fixed ports) and the test fails.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, IEnumerable<string> args,
        IDictionary<string, string> env, TimeSpan deadline)
    {
        var root = Manifests.Root;
        var start = new ProcessStartInfo("bash", [Path.Combine(root, script), .. args])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DCA_NATIVE_DIR"] = Dca.Testing.NativeProcess.Directory;
        start.Environment["DCA_SKIP_PUBLISH"] = "1";
        start.Environment["DCA_NO_APPEND"] = "1";
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(deadline))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await SignalAsync(process, "TERM", TimeSpan.FromSeconds(15));
                throw;
            }
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The cells of a markdown table row of a script's report.</summary>
    public static string[] Cells(string row) => [.. row.Trim('|', ' ').Split('|').Select(c => c.Trim())];

    /// <summary>Sends <paramref name="signal"/> (e.g. INT, TERM) and waits up to <paramref name="grace"/>; then kills the process tree.</summary>
    public static async Task SignalAsync(Process script, string signal, TimeSpan grace)
    {
        using (var kill = Process.Start("kill", ["-" + signal, script.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await script.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            script.Kill(entireProcessTree: true);
        }
    }
}
