using System.Text.Json;

namespace Dca.Protocol.Intake;

/// <summary>The embedded default without <c>DD_API_KEY</c>: each event and service check as one JSON line.</summary>
public sealed class JsonLinesSink(TextWriter writer) : IIntakeSink, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(events.Select(e => new LocalSinkLine("event", e, null)), cancellationToken);

    public Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken) =>
        WriteAsync(checks.Select(c => new LocalSinkLine("service_check", null, c)), cancellationToken);

    private async Task WriteAsync(IEnumerable<LocalSinkLine> lines, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            foreach (var line in lines)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(line, IntakeJsonContext.Default.LocalSinkLine).AsMemory(), cancellationToken);
            }
            await writer.FlushAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
