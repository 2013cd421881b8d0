using Dca.Api;
using Dca.Testing;
using Microsoft.AspNetCore.Connections;

namespace Dca.Tests.Api;

/// <summary>
/// ISSUE 4 and 11: at most <c>DCA_MAX_CONCURRENT_HANDSHAKES</c> TLS handshakes run at once per port; the next starts
/// when one ends, however it ends; a stalled handshake gives up its slot after its lease, and a connection that waited
/// too long starts anyway (stalled clients cannot hold the others out).
/// </summary>
public sealed class HandshakeGateTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private readonly ManualTimeProvider _time = new();

    /// <summary>A connection through Before -> (the handshake: waits for <see cref="Handshake"/>) -> After -> Done.</summary>
    private sealed class Connection
    {
        public DefaultConnectionContext Context { get; } = new();
        public TaskCompletionSource Handshake { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Succeeds { get; init; } = true;
        public Task Run { get; private set; } = Task.CompletedTask;

        public Connection Start(HandshakeGate gate)
        {
            ConnectionDelegate afterHandshake = HandshakeGate.After(_ =>
            {
                Done.TrySetResult();
                return Task.CompletedTask;
            });
            Run = gate.Before(async context =>
            {
                Started.TrySetResult();
                await Handshake.Task;
                if (!Succeeds)
                {
                    throw new IOException("handshake failed");
                }
                await afterHandshake(context);
            })(Context);
            return this;
        }
    }

    [Fact]
    public async Task Before_SlotsTaken_NextHandshakeStartsWhenOneEnds()
    {
        var gate = new HandshakeGate(2, Long, Long, _time);
        var first = new Connection().Start(gate);
        var second = new Connection().Start(gate);
        var third = new Connection().Start(gate);
        await Task.WhenAll(first.Started.Task, second.Started.Task).WithTimeout();
        Assert.False(third.Started.Task.IsCompleted);

        first.Handshake.SetResult();
        await first.Done.Task.WithTimeout();

        await third.Started.Task.WithTimeout();
        Assert.Equal(0, gate.WaitedOut);
    }

    [Fact]
    public async Task Before_HandshakeFails_ItsSlotGoesToTheNext()
    {
        var gate = new HandshakeGate(1, Long, Long, _time);
        var failing = new Connection { Succeeds = false }.Start(gate);
        var next = new Connection().Start(gate);
        await failing.Started.Task.WithTimeout();
        Assert.False(next.Started.Task.IsCompleted);

        failing.Handshake.SetResult();
        await Assert.ThrowsAsync<IOException>(() => failing.Run.WithTimeout());

        await next.Started.Task.WithTimeout();
        next.Handshake.SetResult();
        await next.Done.Task.WithTimeout();
    }

    [Fact]
    public async Task Before_WaitedTooLong_StartsWithoutASlotAndIsCounted()
    {
        var gate = new HandshakeGate(1, TimeSpan.FromSeconds(1), Long, _time);
        var stalled = new Connection().Start(gate);
        await stalled.Started.Task.WithTimeout();
        var patient = new Connection().Start(gate);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(patient.Started.Task.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        await patient.Started.Task.WithTimeout();
        Assert.Equal(1, gate.WaitedOut);
        // Its end gives back no slot it never took: the stalled one still holds the only one.
        patient.Handshake.SetResult();
        await patient.Run.WithTimeout();
        var after = new Connection().Start(gate);
        Assert.False(after.Started.Task.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await after.Started.Task.WithTimeout();
        Assert.Equal(2, gate.WaitedOut);
    }

    [Fact]
    public async Task Before_HandshakeOutlastsItsLease_SlotGoesToTheNext()
    {
        var gate = new HandshakeGate(1, Long, TimeSpan.FromMilliseconds(500), _time);
        var stalled = new Connection().Start(gate);
        await stalled.Started.Task.WithTimeout();
        var next = new Connection().Start(gate);
        Assert.False(next.Started.Task.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(500));

        await next.Started.Task.WithTimeout();
        Assert.Equal(0, gate.WaitedOut);
        // The stalled one finishing later gives back nothing more: one slot, held by the next.
        stalled.Handshake.SetResult();
        await stalled.Done.Task.WithTimeout();
        var third = new Connection().Start(gate);
        Assert.False(third.Started.Task.IsCompleted);
        next.Handshake.SetResult();
        await third.Started.Task.WithTimeout();
    }

    [Fact]
    public async Task Before_ClientGoneWhileWaiting_NoHandshake()
    {
        var gate = new HandshakeGate(1, Long, Long, _time);
        var holder = new Connection().Start(gate);
        await holder.Started.Task.WithTimeout();
        using var closed = new CancellationTokenSource();
        var gone = new Connection();
        gone.Context.ConnectionClosed = closed.Token;
        gone.Start(gate);

        await closed.CancelAsync();
        await gone.Run.WithTimeout();

        Assert.False(gone.Started.Task.IsCompleted);
    }

    [Fact]
    public async Task Before_NoLimit_PassesEveryConnectionThrough()
    {
        var gate = new HandshakeGate(0, Long, Long, _time);
        var connections = Enumerable.Range(0, 100).Select(_ => new Connection().Start(gate)).ToList();

        await Task.WhenAll(connections.Select(c => c.Started.Task)).WithTimeout();
    }
}
