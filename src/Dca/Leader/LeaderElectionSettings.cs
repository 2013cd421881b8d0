namespace Dca.Leader;

internal enum LockKind
{
    Lease,
    ConfigMap,
}

/// <summary>
/// Leader election as configured (PROTOCOL.md §4): client-go's timings derived from one lease duration,
/// renew deadline half of it and retry period a quarter, as Datadog's cluster agent does.
/// </summary>
internal sealed record LeaderElectionSettings
{
    public bool Enabled { get; init; }

    /// <summary>This replica's identity (<c>DD_POD_NAME</c>, else the host name).</summary>
    public required string Identity { get; init; }

    public string LockName { get; init; } = "datadog-leader-election";

    public LockKind Lock { get; init; } = LockKind.Lease;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RenewDeadline => LeaseDuration / 2;

    public TimeSpan RetryPeriod => LeaseDuration / 4;

    public bool ReleaseOnShutdown { get; init; } = true;
}
