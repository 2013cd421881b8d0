namespace Dca.Protocol.Intake;

/// <summary>
/// Where the agents' output goes (events, service checks, metrics): Datadog's intake (<see cref="DatadogIntakeSink"/>) or, without an API
/// key, JSON lines on standard output (<see cref="JsonLinesSink"/>). One abstraction for the cluster
/// agent and the node agent.
/// </summary>
public interface IIntakeSink
{
    /// <summary>
    /// Delivers events and returns once the intake accepted them (retrying 5xx and 429 with backoff);
    /// throws when it gives up or <paramref name="cancellationToken"/> fires. Callers that persist a
    /// resume position (event collection) save it only after this returns.
    /// </summary>
    Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken);

    /// <summary>Delivers service checks, with the same guarantees.</summary>
    Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken);

    /// <summary>
    /// Delivers metric samples (<c>POST /api/v2/series</c>, split into payloads under the intake's size
    /// limit), with the same retries; throws when it gives up.
    /// </summary>
    Task SendSeriesAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken);
}
