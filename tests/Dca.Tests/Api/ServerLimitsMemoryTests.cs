using Dca.Api;
using Dca.Telemetry;
using Dca.Testing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dca.Tests.Api;

/// <summary>
/// When the cluster agent gives memory back while serving (issue 4): every 10 s, and once a wave of handshakes has
/// passed (a second without many new ones); never with <c>DCA_TRIM_WORKING_SET=false</c>.
/// </summary>
public sealed class ServerLimitsMemoryTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private readonly ManualTimeProvider _time = new();
    private readonly RecordingLogger<ServerLimits> _logger = new();

    private ServerLimits Limits(bool trim) =>
        new(new DcaOptions { Logging = null!, Token = Token, TrimWorkingSet = trim }, _time, new OneLogger(_logger), new MetricsRegistry());

    private int Returns() => _logger.Entries.Count(e => e.Message.StartsWith("Idle memory returned", StringComparison.Ordinal));

    private static async Task AcceptAsync(ServerLimits limits, int connections)
    {
        var admit = limits.Command.Connections(_ => Task.CompletedTask);
        for (var i = 0; i < connections; i++)
        {
            await admit(new DefaultConnectionContext());
        }
    }

    [Fact]
    public async Task ReturnMemory_EveryTenSeconds_AndOnceAHandshakeWaveHasPassed()
    {
        // What MetadataService does once the first lists are done (idle returns wait for it).
        Dca.Hosting.WorkingSetTrimmer.KeepNativeHeapTrimmed();
        using var limits = Limits(trim: true);

        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(0, Returns());

        // A wave still arriving: nothing yet.
        await AcceptAsync(limits, ServerLimits.HandshakeWave);
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(0, Returns());

        // The next second is quiet: the wave has passed.
        await AcceptAsync(limits, ServerLimits.WaveQuiet - 1);
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(1, Returns());

        // Then only the periodic return, 10 s after the start.
        for (var check = 4; check < 10; check++)
        {
            _time.Advance(ServerLimits.ReturnCheckPeriod);
        }
        Assert.Equal(1, Returns());
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(2, Returns());
    }

    [Fact]
    public async Task ReturnMemory_SteadyStreamOfHandshakes_OnlyThePeriodicReturn()
    {
        Dca.Hosting.WorkingSetTrimmer.KeepNativeHeapTrimmed();
        using var limits = Limits(trim: true);

        // Far more than a wave in all, but never a quiet second.
        for (var check = 1; check < 10; check++)
        {
            await AcceptAsync(limits, ServerLimits.HandshakeWave / 4);
            _time.Advance(ServerLimits.ReturnCheckPeriod);
        }
        Assert.Equal(0, Returns());

        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(1, Returns());
    }

    [Fact]
    public async Task ReturnMemory_TrimWorkingSetOff_NeverReturns()
    {
        using var limits = Limits(trim: false);

        await AcceptAsync(limits, ServerLimits.HandshakeWave * 2);
        for (var i = 0; i < 12; i++)
        {
            _time.Advance(ServerLimits.ReturnCheckPeriod);
        }

        Assert.Equal(0, Returns());
    }

    private sealed class OneLogger(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
