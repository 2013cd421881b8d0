using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Dca.Testing;

/// <summary>
/// A published native binary started by a test: output captured line by line, waits on lines with
/// deadlines, SIGTERM for a graceful stop. The binaries come from <c>DCA_NATIVE_DIR</c>, which
/// <c>./dev test</c> sets after publishing them.
/// </summary>
public sealed partial class NativeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private NativeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Directory =>
        Environment.GetEnvironmentVariable("DCA_NATIVE_DIR") is { Length: > 0 } dir
            ? dir
            : throw new InvalidOperationException("DCA_NATIVE_DIR is not set: run ./dev test, which publishes the native binaries and sets it");

    public static string PathOf(string binary)
    {
        var path = System.IO.Path.Combine(Directory, binary);
        return File.Exists(path) ? path : throw new FileNotFoundException($"native binary {path} is missing: run ./dev publish");
    }

    public static NativeProcess Start(string binary, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(PathOf(binary))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // A clean environment for the agent's own options: nothing leaks in from the test runner.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DD_", StringComparison.Ordinal) || k == "KUBECONFIG").ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return new NativeProcess(Process.Start(start)!);
    }

    /// <summary>Runs to completion and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string binary, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        await using var p = Start(binary, args, env);
        await p._process.WaitForExitAsync().WaitAsync(Wait.DefaultTimeout);
        p._process.WaitForExit();
        return (p._process.ExitCode, string.Join('\n', p._stdout), string.Join('\n', p._stderr));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyCollection<string> Stdout => _stdout;

    public IReadOnlyCollection<string> Stderr => _stderr;

    public async Task<string> WaitForStdoutLineAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        string? found = null;
        await Wait.UntilAsync(() =>
        {
            found = _stdout.FirstOrDefault(match);
            if (found is null && _process.HasExited)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before {what}; stderr: {string.Join('\n', _stderr)}");
            }
            return found is not null;
        }, what, timeout);
        return found!;
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns how long the exit took.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        _ = Kill(_process.Id, 15);
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
