using Dca.Api;
using Dca.Telemetry;
using Dca.Testing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dca.Tests.Api;

/// <summary>
/// When the cluster agent gives memory back while serving (issue 4): every 30 s, and within 5 s of a wave of
/// handshakes; never with <c>DCA_TRIM_WORKING_SET=false</c>.
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
    public async Task ReturnMemory_EveryThirtySeconds_AndWithinFiveSecondsOfAHandshakeWave()
    {
        // What MetadataService does once the first lists are done (idle returns wait for it).
        Dca.Hosting.WorkingSetTrimmer.KeepNativeHeapTrimmed();
        using var limits = Limits(trim: true);

        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(0, Returns());

        await AcceptAsync(limits, ServerLimits.HandshakeWave - 1);
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(0, Returns());

        await AcceptAsync(limits, 1);
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(1, Returns());

        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(1, Returns());

        // The sixth check, 30 s after the start: the periodic return.
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        _time.Advance(ServerLimits.ReturnCheckPeriod);
        Assert.Equal(2, Returns());
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
