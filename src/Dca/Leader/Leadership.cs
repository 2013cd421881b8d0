namespace Dca.Leader;

internal enum LeaderState
{
    /// <summary>Not known yet (start-up, or the lock cannot be read): leader-only routes answer 503.</summary>
    Unknown,
    Leader,
    Follower,
}

/// <summary>
/// One immutable view of who leads, published by the elector and read lock-free: the state, the
/// leader's identity (its pod name) when known, and this replica's term, which increases each time it
/// becomes leader.
/// </summary>
internal sealed record Leadership(LeaderState State, string? Holder, long Term, DateTimeOffset Since)
{
    public static readonly Leadership Unknown = new(LeaderState.Unknown, null, 0, DateTimeOffset.MinValue);

    public bool IsLeader => State == LeaderState.Leader;
}

/// <summary>The single reference through which leadership is published and read.</summary>
internal sealed class LeadershipHolder
{
    private Leadership _current = Leadership.Unknown;

    public Leadership Current => Volatile.Read(ref _current);

    public void Publish(Leadership leadership) => Volatile.Write(ref _current, leadership);
}
