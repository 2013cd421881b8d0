using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Dca.Hosting;

/// <summary>
/// The components whose health the probes report. <c>/live</c> fails only when a component is dead
/// (a loop that will not recover, so a restart helps); <c>/ready</c> fails while any component is
/// not healthy (not yet synced, or stuck); <c>/startup</c> succeeds once every component has been
/// healthy at least once.
/// </summary>
internal sealed class HealthRegistry
{
    private readonly ConcurrentDictionary<string, HealthComponent> _components = new(StringComparer.Ordinal);

    /// <summary>Registers a component, initially not ready; its owner reports its state.</summary>
    public HealthComponent Register(string name) => _components.GetOrAdd(name, n => new HealthComponent(n, null));

    /// <summary>Registers a component whose state is evaluated at every probe (always current, never stale).</summary>
    public HealthComponent Register(string name, Func<HealthState> check) => _components.GetOrAdd(name, n => new HealthComponent(n, check));

    public HealthReport Report()
    {
        var healthy = new List<string>();
        var unhealthy = new List<string>();
        bool live = true, started = true;
        foreach (var component in _components.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var state = component.State;
            if (state.Status == HealthStatus.Healthy)
            {
                healthy.Add(component.Name);
            }
            else
            {
                unhealthy.Add(state.Reason is null ? component.Name : $"{component.Name}: {state.Reason}");
            }
            live &= state.Status != HealthStatus.Dead;
            started &= component.HasBeenHealthy;
        }
        return new HealthReport(healthy, unhealthy) { IsLive = live, IsStarted = started };
    }
}

internal enum HealthStatus
{
    NotReady,
    Healthy,
    Unhealthy,
    Dead,
}

/// <summary>One component's health, updated by its owner and read by the probes.</summary>
internal sealed class HealthComponent(string name, Func<HealthState>? check)
{
    private volatile HealthState _state = new(HealthStatus.NotReady, "starting");
    private volatile bool _hasBeenHealthy;

    public string Name { get; } = name;

    public HealthState State
    {
        get
        {
            if (check is null)
            {
                return _state;
            }
            var state = check();
            if (state.Status == HealthStatus.Healthy)
            {
                _hasBeenHealthy = true;
            }
            return state;
        }
    }

    public bool HasBeenHealthy => _hasBeenHealthy;

    public void Healthy()
    {
        _state = HealthState.Ok;
        _hasBeenHealthy = true;
    }

    public void Unhealthy(string reason) => _state = new HealthState(HealthStatus.Unhealthy, reason);

    public void Dead(string reason) => _state = new HealthState(HealthStatus.Dead, reason);
}

internal sealed record HealthState(HealthStatus Status, string? Reason)
{
    public static readonly HealthState Ok = new(HealthStatus.Healthy, null);

    public static HealthState NotReady(string reason) => new(HealthStatus.NotReady, reason);

    public static HealthState Unhealthy(string reason) => new(HealthStatus.Unhealthy, reason);

    public static HealthState Dead(string reason) => new(HealthStatus.Dead, reason);
}

/// <summary>The probe body, shaped like the Datadog agents' health status (<c>Healthy</c>, <c>Unhealthy</c>).</summary>
internal sealed record HealthReport(
    [property: JsonPropertyName("Healthy")] IReadOnlyList<string> Healthy,
    [property: JsonPropertyName("Unhealthy")] IReadOnlyList<string> Unhealthy)
{
    [JsonIgnore]
    public bool IsLive { get; init; }

    [JsonIgnore]
    public bool IsStarted { get; init; }

    [JsonIgnore]
    public bool IsReady => Unhealthy.Count == 0;
}

[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
