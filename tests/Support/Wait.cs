using System.Diagnostics;

namespace Dca.Testing;

/// <summary>Waiting on a condition with a deadline: the only synchronisation tests use (no sleeps).</summary>
public static class Wait
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        await UntilAsync(() => Task.FromResult(condition()), what, timeout);
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var delay = 5;
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds} s waiting for {what}");
            }
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>Bounds a test body: fails it (instead of hanging) after <paramref name="timeout"/>.</summary>
    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        return await task.WaitAsync(limit);
    }

    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null) => await task.WaitAsync(timeout ?? DefaultTimeout);
}
