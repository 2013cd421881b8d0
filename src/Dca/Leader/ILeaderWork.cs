namespace Dca.Leader;

/// <summary>
/// Work only the leader does (event collection, cluster-check dispatch, external metrics). It runs once
/// per term, under the term's token, which is cancelled before another replica could become leader
/// (a renewal missing its deadline, a lost lease, shutdown); it must stop promptly when it is.
/// </summary>
internal interface ILeaderWork
{
    string Name { get; }

    Task RunAsync(long term, CancellationToken termToken);
}
