namespace Dca.Sim.Tests.Support;

/// <summary>A clock tests move by hand (timers are not needed by the tests that use it).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
