using System.Diagnostics;
using System.Text;

namespace Dca.Sim.Tests.Support;

/// <summary>Runs the real kubectl against a simulator's kubeconfig, with its own HOME (so no discovery cache leaks).</summary>
internal sealed class Kubectl : IDisposable
{
    public const string Path = "/usr/bin/kubectl";
    private readonly string _home = Directory.CreateTempSubdirectory("kubectl-home-").FullName;
    private readonly string _kubeconfig;

    public Kubectl(Simulator sim) => _kubeconfig = sim.KubeconfigPath;

    public string Home => _home;

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(CancellationToken ct, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts kubectl with redirected output (for <c>-w</c>); the caller kills it.</summary>
    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(_kubeconfig);
        info.ArgumentList.Add("--request-timeout=10s");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = _home;
        info.Environment.Remove("KUBECONFIG");
        return Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }
}
