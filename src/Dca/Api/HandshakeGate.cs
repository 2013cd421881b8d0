using Microsoft.AspNetCore.Connections;

namespace Dca.Api;

/// <summary>
/// Bounds the TLS handshakes in progress on one HTTPS port (<c>DCA_MAX_CONCURRENT_HANDSHAKES</c>). A handshake holds
/// ~50 KB of OpenSSL and SslStream state that is garbage once it ends; 200 node agents connecting at once held ~19 MB
/// of it together for a moment (the 5k profile's peak while serving, docs/benchmarks.md), 10,000 reconnecting after an
/// upgrade hold it 10,000 times. Through the gate the next handshake reuses what the last one freed. Two cores finish
/// only a few handshakes a millisecond, so a fleet connects no later. Stalled clients cannot hold the others out: a
/// slot is lent for at most <see cref="SlotLease"/> (a handshake on a live network takes a few milliseconds), and a
/// connection that waited <see cref="MaxWait"/> for one starts its handshake regardless.
/// </summary>
internal sealed class HandshakeGate
{
    /// <summary>How long a connection waits for a slot before its handshake starts regardless.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    /// <summary>How long a handshake holds its slot at most; a slower one goes on without it.</summary>
    public static readonly TimeSpan SlotLease = TimeSpan.FromMilliseconds(500);

    private readonly SemaphoreSlim? _slots;
    private readonly TimeSpan _maxWait;
    private readonly TimeSpan _lease;
    private readonly TimeProvider _time;
    private long _waitedOut;

    /// <param name="concurrency">Handshakes at once; 0 for no limit.</param>
    /// <param name="maxWait">How long a connection waits for a slot (<see cref="MaxWait"/>).</param>
    /// <param name="lease">How long a handshake keeps its slot at most (<see cref="SlotLease"/>).</param>
    /// <param name="time">The clock of both.</param>
    public HandshakeGate(int concurrency, TimeSpan maxWait, TimeSpan lease, TimeProvider time)
    {
        _slots = concurrency > 0 ? new SemaphoreSlim(concurrency, concurrency) : null;
        _maxWait = maxWait;
        _lease = lease;
        _time = time;
    }

    /// <summary>Handshakes that started without a slot after waiting <see cref="MaxWait"/>.</summary>
    public long WaitedOut => Interlocked.Read(ref _waitedOut);

    /// <summary>Before <c>UseHttps</c>: takes a slot for the handshake that follows.</summary>
    public ConnectionDelegate Before(ConnectionDelegate next) => _slots is null ? next : async connection =>
    {
        bool entered;
        using (var deadline = new CancellationTokenSource(_maxWait, _time))
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, connection.ConnectionClosed))
        {
            try
            {
                await _slots.WaitAsync(wait.Token).ConfigureAwait(false);
                entered = true;
            }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
            {
                entered = false;
            }
            catch (OperationCanceledException)
            {
                return; // The client went away while waiting: no handshake to make.
            }
        }
        if (!entered)
        {
            Interlocked.Increment(ref _waitedOut);
            await next(connection).ConfigureAwait(false);
            return;
        }
        var slot = new Slot(_slots);
        connection.Features.Set(slot);
        using var lease = _time.CreateTimer(static state => ((Slot)state!).Release(), slot, _lease, Timeout.InfiniteTimeSpan);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            slot.Release(); // The handshake failed or timed out: After never ran.
        }
    };

    /// <summary>After <c>UseHttps</c>: the handshake is done, its slot goes to the next one.</summary>
    public static ConnectionDelegate After(ConnectionDelegate next) => connection =>
    {
        connection.Features.Get<Slot>()?.Release();
        return next(connection);
    };

    /// <summary>One connection's slot, released once: after its handshake, at the end of its lease, or when the connection ends without one.</summary>
    private sealed class Slot(SemaphoreSlim slots)
    {
        private int _released;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
