using System.Diagnostics;
using System.Globalization;

namespace Dca.EndToEnd.Tests;

/// <summary>Stopping a script the way a user does (a signal its traps handle), so it stops what it started.</summary>
public static class ScriptProcess
{
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
