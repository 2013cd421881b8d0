using Dca.Sim.Scenarios;

namespace Dca.Sim.Tests.Support;

/// <summary>Starts simulators for tests: small, background activity off, quick bookmarks.</summary>
internal static class SimStart
{
    public static Task<Simulator> SmallAsync(CancellationToken ct, Func<SimulatorOptions, SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            Scenario = ScenarioOptions.Small with { Nodes = 3, PodsPerNode = 10, Services = 4 },
            RunActivity = false,
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
        };
        return Simulator.StartAsync(configure?.Invoke(options) ?? options, ct);
    }
}
