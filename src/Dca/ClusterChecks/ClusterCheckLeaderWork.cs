using Dca.Leader;

namespace Dca.ClusterChecks;

/// <summary>
/// The leader's part of cluster checks, once per term: start the dispatcher's warm-up, then every
/// <see cref="TickPeriod"/> expire silent nodes and place dangling configurations, and every rebalance period
/// move checks by cost. When the term ends the dispatcher forgets its nodes (followers forward to the new leader).
/// </summary>
internal sealed partial class ClusterCheckLeaderWork(ClusterCheckDispatcher dispatcher, DcaOptions options, TimeProvider time, ILogger<ClusterCheckLeaderWork> logger) : ILeaderWork
{
    public static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    public string Name => "cluster-checks";

    public async Task RunAsync(long term, CancellationToken termToken)
    {
        var settings = options.ClusterChecks;
        dispatcher.BecomeLeader();
        Log.Leading(logger, term, settings.WarmUp.TotalSeconds);
        var sinceRebalance = time.GetTimestamp();
        var warm = false;
        try
        {
            using var timer = new PeriodicTimer(TickPeriod, time);
            while (await timer.WaitForNextTickAsync(termToken))
            {
                try
                {
                    TickOnce(settings, ref warm, ref sinceRebalance);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bug, not a state to stay in: logged, and the next tick tries again (the term goes on).
                    Log.TickFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (termToken.IsCancellationRequested)
        {
        }
        finally
        {
            dispatcher.StopLeading();
        }
    }

    private void TickOnce(ClusterCheckSettings settings, ref bool warm, ref long sinceRebalance)
    {
        var placed = dispatcher.Tick();
        if (!warm && !dispatcher.InWarmUp)
        {
            warm = true;
            Log.WarmedUp(logger, dispatcher.Nodes().Count);
        }
        if (placed > 0)
        {
            Log.Placed(logger, placed);
        }
        if (settings.RebalancePeriod > TimeSpan.Zero && time.GetElapsedTime(sinceRebalance) >= settings.RebalancePeriod)
        {
            sinceRebalance = time.GetTimestamp();
            var moves = dispatcher.Rebalance();
            if (moves.Count > 0)
            {
                Log.Rebalanced(logger, moves.Count);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(910, LogLevel.Information, "Cluster checks: leading (term {Term}); warming up for {WarmUp} s while node agents report")]
        public static partial void Leading(ILogger logger, long term, double warmUp);

        [LoggerMessage(911, LogLevel.Information, "Cluster checks: warm-up over, {Nodes} node agents known; dispatching")]
        public static partial void WarmedUp(ILogger logger, int nodes);

        [LoggerMessage(912, LogLevel.Information, "Cluster checks: placed {Count} configurations")]
        public static partial void Placed(ILogger logger, int count);

        [LoggerMessage(913, LogLevel.Information, "Cluster checks: rebalancing moved {Count} configurations")]
        public static partial void Rebalanced(ILogger logger, int count);

        [LoggerMessage(914, LogLevel.Error, "Cluster checks: a dispatch tick failed; retrying at the next one")]
        public static partial void TickFailed(ILogger logger, Exception exception);
    }
}
