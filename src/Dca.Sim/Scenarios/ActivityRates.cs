namespace Dca.Sim.Scenarios;

/// <summary>
/// The churn and event rates in force, changeable while the simulator runs (<c>POST /sim/activity</c>):
/// load tests turn churn on for one scenario and off for the next.
/// </summary>
public sealed class ActivityRates(double churnPerSecond, double eventsPerSecond)
{
    private double _churn = churnPerSecond;
    private double _events = eventsPerSecond;

    /// <summary>Churn steps per second (<see cref="ScenarioOptions.ChurnPerSecond"/>).</summary>
    public double ChurnPerSecond
    {
        get => Volatile.Read(ref _churn);
        set => Volatile.Write(ref _churn, value);
    }

    /// <summary>core/v1 Events per second (<see cref="ScenarioOptions.EventsPerSecond"/>).</summary>
    public double EventsPerSecond
    {
        get => Volatile.Read(ref _events);
        set => Volatile.Write(ref _events, value);
    }
}
