using System.Net;
using Dca.Kubernetes.Client;

namespace Dca.Leader;

/// <summary>
/// Elects one leader among the replicas with client-go's algorithm (STYLE.md 3): expiry judged by this
/// replica's own observation time of the record and the record's duration (never by comparing clocks),
/// optimistic updates on resourceVersion, release on shutdown. Each term gets a token that a timer
/// cancels when no renewal has succeeded within the renew deadline (half the lease duration, counted
/// from the start of the last successful renewal), so leader work stops strictly before another replica
/// could take the lease, even if a renewal request hangs. Leader work (<see cref="ILeaderWork"/>) runs
/// once per term and is awaited before the lease is released.
/// </summary>
internal sealed partial class LeaderElector : BackgroundService
{
    private readonly ILeaderLock _lock;
    private readonly LeaderElectionSettings _settings;
    private readonly LeadershipHolder _holder;
    private readonly IReadOnlyList<ILeaderWork> _work;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string _observedFingerprint = "";
    private long _observedAt;
    private long _lastObservationOk;
    private long _term;
    private long _transitions;
    private long _errors;
    private volatile string? _lastError;

    public LeaderElector(ILeaderLock leaderLock, LeaderElectionSettings settings, LeadershipHolder holder,
        IEnumerable<ILeaderWork> work, TimeProvider time, ILogger<LeaderElector> logger)
    {
        _lock = leaderLock;
        _settings = settings;
        _holder = holder;
        _work = [.. work];
        _time = time;
        _logger = logger;
        _lastObservationOk = time.GetTimestamp();
    }

    public LeaderElectionSettings Settings => _settings;

    public string LockDescription => _lock.Description;

    /// <summary>Times this replica became leader.</summary>
    public long Transitions => Interlocked.Read(ref _transitions);

    /// <summary>Failed reads or writes of the lock.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError => _lastError;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            // Without election this replica is the only one: it leads for its whole life.
            Log.ElectionDisabled(_logger);
            await LeadAsync(fenced: false, 0, stoppingToken);
            return;
        }
        Log.Starting(_logger, _settings.Identity, _lock.Description, _settings.LeaseDuration.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var attemptStart = _time.GetTimestamp();
            if (await TryAcquireOrRenewAsync(stoppingToken))
            {
                await LeadAsync(fenced: true, attemptStart, stoppingToken);
                continue;
            }
            try
            {
                // client-go jitters the retry period by up to +120 %; +20 % keeps replicas apart while a
                // released lease is still taken over within about one retry period.
                await Task.Delay(_settings.RetryPeriod * (1 + (0.2 * Random.Shared.NextDouble())), _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task LeadAsync(bool fenced, long attemptStart, CancellationToken stoppingToken)
    {
        var term = Interlocked.Increment(ref _term);
        Interlocked.Increment(ref _transitions);
        using var fence = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        if (fenced)
        {
            fence.CancelAfter(Remaining(attemptStart));
        }
        using var termSource = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, fence.Token);
        var termToken = termSource.Token;
        _holder.Publish(new Leadership(LeaderState.Leader, _settings.Identity, term, _time.GetUtcNow()));
        Log.BecameLeader(_logger, _settings.Identity, term, _lock.Description);
        var work = _work.Select(w => RunWorkAsync(w, term, termToken)).ToArray();

        if (fenced)
        {
            await RenewUntilLostAsync(fence, attemptStart, termToken);
        }
        else
        {
            await WaitAsync(termToken);
        }

        // The term is over: stop the work first, then (on shutdown) give the lease back.
        await termSource.CancelAsync();
        var lost = !stoppingToken.IsCancellationRequested;
        _holder.Publish(lost ? Leadership.Unknown : new Leadership(LeaderState.Unknown, null, term, _time.GetUtcNow()));
        if (lost)
        {
            Log.LostLeadership(_logger, term, _settings.RenewDeadline.TotalSeconds);
        }
        await Task.WhenAll(work);
        if (fenced && !lost && !fence.IsCancellationRequested && _settings.ReleaseOnShutdown)
        {
            await ReleaseAsync();
        }
    }

    private async Task RenewUntilLostAsync(CancellationTokenSource fence, long lastRenewStart, CancellationToken termToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_settings.RetryPeriod, _time, termToken);
                // One renewal round: retry every retry period until it succeeds or the fence fires.
                while (true)
                {
                    var attemptStart = _time.GetTimestamp();
                    if (await TryAcquireOrRenewAsync(termToken))
                    {
                        lastRenewStart = attemptStart;
                        fence.CancelAfter(Remaining(lastRenewStart));
                        break;
                    }
                    var remaining = Remaining(lastRenewStart);
                    await Task.Delay(remaining < _settings.RetryPeriod ? remaining : _settings.RetryPeriod, _time, termToken);
                }
            }
        }
        catch (OperationCanceledException) when (termToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Time left of the renew deadline counted from a renewal attempt's start.</summary>
    private TimeSpan Remaining(long attemptStart)
    {
        var left = _settings.RenewDeadline - _time.GetElapsedTime(attemptStart);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static async Task WaitAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunWorkAsync(ILeaderWork work, long term, CancellationToken termToken)
    {
        try
        {
            await work.RunAsync(term, termToken);
        }
        catch (OperationCanceledException) when (termToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.WorkFailed(_logger, work.Name, term, ex);
        }
    }

    /// <summary>client-go's tryAcquireOrRenew, each call bounded by the renew deadline.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_settings.RenewDeadline);
        var now = _time.GetUtcNow();
        var desired = new LeaderRecord(_settings.Identity, (int)Math.Ceiling(_settings.LeaseDuration.TotalSeconds), now, now, 0);
        try
        {
            var current = await _lock.GetAsync(bounded.Token);
            if (current is null)
            {
                if (!await _lock.CreateAsync(desired, bounded.Token))
                {
                    return false;
                }
                Observed(desired.ToString());
                return true;
            }
            if (current.Fingerprint != _observedFingerprint)
            {
                Observed(current.Fingerprint);
            }
            var record = current.Record;
            var heldByOther = record.HolderIdentity.Length > 0 && record.HolderIdentity != _settings.Identity;
            if (heldByOther && _time.GetElapsedTime(_observedAt) < TimeSpan.FromSeconds(record.LeaseDurationSeconds))
            {
                Follow(record.HolderIdentity);
                return false;
            }
            desired = record.HolderIdentity == _settings.Identity
                ? desired with { AcquireTime = record.AcquireTime, LeaderTransitions = record.LeaderTransitions }
                : desired with { LeaderTransitions = record.LeaderTransitions + 1 };
            if (!await _lock.UpdateAsync(desired, current.ResourceVersion, bounded.Token))
            {
                return false;
            }
            Observed(desired.ToString());
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Failed(ex);
            return false;
        }
    }

    private void Observed(string fingerprint)
    {
        _observedFingerprint = fingerprint;
        _observedAt = _time.GetTimestamp();
        Volatile.Write(ref _lastObservationOk, _observedAt);
        _lastError = null;
    }

    private void Follow(string holder)
    {
        Volatile.Write(ref _lastObservationOk, _time.GetTimestamp());
        _lastError = null;
        var current = _holder.Current;
        if (current.State != LeaderState.Follower || current.Holder != holder)
        {
            _holder.Publish(new Leadership(LeaderState.Follower, holder, current.Term, _time.GetUtcNow()));
            Log.Following(_logger, holder, _lock.Description);
        }
    }

    private void Failed(Exception ex)
    {
        Interlocked.Increment(ref _errors);
        var message = ex is OperationCanceledException ? $"no answer within {_settings.RenewDeadline.TotalSeconds:F0} s" : ex.Message;
        _lastError = message;
        if (ex is KubernetesApiException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized })
        {
            Log.Forbidden(_logger, _lock.Description, _settings.Lock == LockKind.Lease ? "leases.coordination.k8s.io" : "configmaps", message);
        }
        else
        {
            Log.LockFailed(_logger, _lock.Description, message);
        }
        // A follower that cannot read the lock for a whole lease duration no longer knows who leads.
        if (_holder.Current.State == LeaderState.Follower
            && _time.GetElapsedTime(Volatile.Read(ref _lastObservationOk)) > _settings.LeaseDuration)
        {
            _holder.Publish(Leadership.Unknown);
        }
    }

    /// <summary>client-go's release: an empty holder and a 1 s duration, so a follower takes over at its next try.</summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
        try
        {
            var current = await _lock.GetAsync(timeout.Token);
            if (current?.Record.HolderIdentity != _settings.Identity)
            {
                return;
            }
            var now = _time.GetUtcNow();
            var released = new LeaderRecord("", 1, now, now, current.Record.LeaderTransitions);
            if (await _lock.UpdateAsync(released, current.ResourceVersion, timeout.Token))
            {
                Log.Released(_logger, _lock.Description);
            }
        }
        catch (Exception ex)
        {
            Log.ReleaseFailed(_logger, _lock.Description, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(500, LogLevel.Information, "Leader election as {Identity} through {Lock} (lease {Seconds} s)")]
        public static partial void Starting(ILogger logger, string identity, string @lock, double seconds);

        [LoggerMessage(501, LogLevel.Information, "Leader election disabled (DD_LEADER_ELECTION=false): this replica does the leader work")]
        public static partial void ElectionDisabled(ILogger logger);

        [LoggerMessage(502, LogLevel.Information, "{Identity} is now the leader (term {Term}, {Lock})")]
        public static partial void BecameLeader(ILogger logger, string identity, long term, string @lock);

        [LoggerMessage(503, LogLevel.Warning, "Leadership lost: no renewal succeeded within {Seconds} s; leader work of term {Term} stopped")]
        public static partial void LostLeadership(ILogger logger, long term, double seconds);

        [LoggerMessage(504, LogLevel.Information, "Following leader {Holder} ({Lock})")]
        public static partial void Following(ILogger logger, string holder, string @lock);

        [LoggerMessage(505, LogLevel.Error, "Leader election is not permitted on {Lock}: grant get, create and update on {Resource} in its namespace to the agent's service account ({Error})")]
        public static partial void Forbidden(ILogger logger, string @lock, string resource, string error);

        [LoggerMessage(506, LogLevel.Warning, "Leader election: cannot read or write {Lock}: {Error}")]
        public static partial void LockFailed(ILogger logger, string @lock, string error);

        [LoggerMessage(507, LogLevel.Information, "Released {Lock} on shutdown")]
        public static partial void Released(ILogger logger, string @lock);

        [LoggerMessage(508, LogLevel.Warning, "Could not release {Lock} on shutdown; another replica takes over when it expires: {Error}")]
        public static partial void ReleaseFailed(ILogger logger, string @lock, string error);

        [LoggerMessage(509, LogLevel.Error, "Leader work {Work} failed in term {Term}")]
        public static partial void WorkFailed(ILogger logger, string work, long term, Exception exception);
    }
}
