namespace Dca.Kubernetes.Informers;

/// <summary>A reflector seen without its object type: for health, status and metrics.</summary>
public interface IReflector
{
    string Name { get; }

    ReflectorState State { get; }

    bool HasSynced { get; }

    bool IsHealthy { get; }

    string? LastError { get; }

    TimeSpan SinceLastSuccess { get; }

    string ResourceVersion { get; }

    int ObjectCount { get; }

    long Relists { get; }

    long WatchRestarts { get; }

    long EventsReceived { get; }

    long Errors { get; }

    Task RunAsync(CancellationToken cancellationToken);

    void MarkDead(string reason);
}
