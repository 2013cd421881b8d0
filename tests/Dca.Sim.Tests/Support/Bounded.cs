namespace Dca.Sim.Tests.Support;

/// <summary>Every async test runs under a timeout: the body gets a token and the whole run is bounded.</summary>
internal static class Bounded
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(Func<CancellationToken, Task> body, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Default);
        await body(cts.Token).WaitAsync(timeout ?? Default);
    }

    /// <summary>Polls <paramref name="condition"/> until true or the token fires (conditions, not sleeps).</summary>
    public static async Task UntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }
}
