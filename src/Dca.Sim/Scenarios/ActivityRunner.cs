
namespace Dca.Sim.Scenarios;

/// <summary>Drives churn and events at the rates in force (they may change while it runs), on a 100 ms tick of the given clock.</summary>
internal sealed class ActivityRunner(ClusterScenario scenario, ActivityRates rates, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Start() => _loop = RunAsync(_stop.Token);

    private async Task RunAsync(CancellationToken ct)
    {
        double churnDue = 0, eventsDue = 0;
        using var timer = new PeriodicTimer(s_tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                churnDue += rates.ChurnPerSecond * s_tick.TotalSeconds;
                eventsDue += rates.EventsPerSecond * s_tick.TotalSeconds;
                if (churnDue < 1 && eventsDue < 1)
                {
                    continue;
                }
                lock (scenario.Gate)
                {
                    for (; churnDue >= 1; churnDue--)
                    {
                        scenario.ChurnStep();
                    }
                    for (; eventsDue >= 1; eventsDue--)
                    {
                        scenario.EmitEvent();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            Log.ActivityFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
        _stop.Dispose();
    }
}
