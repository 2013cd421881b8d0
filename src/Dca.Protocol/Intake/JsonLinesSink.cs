using System.Buffers;
using System.Text.Json;

namespace Dca.Protocol.Intake;

/// <summary>The embedded default without <c>DD_API_KEY</c>: each event, service check and series as one JSON line.</summary>
public sealed class JsonLinesSink(TextWriter writer) : IIntakeSink, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public Task SendEventsAsync(IReadOnlyList<IntakeEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(events.Select(e => new LocalSinkLine("event", e, null)), cancellationToken);

    public Task SendServiceChecksAsync(IReadOnlyList<ServiceCheck> checks, CancellationToken cancellationToken) =>
        WriteAsync(checks.Select(c => new LocalSinkLine("service_check", null, c)), cancellationToken);

    public async Task SendSeriesAsync(IReadOnlyList<MetricSample> samples, CancellationToken cancellationToken)
    {
        // One line per series, {"kind":"series","series":{...v2 series object...}}, written in chunks of
        // about 32 KB without an intermediate object per line.
        var buffer = new ArrayBufferWriter<byte>(40 * 1024);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            using var w = new Utf8JsonWriter(buffer);
            foreach (var sample in samples)
            {
                w.WriteStartObject();
                w.WriteString("kind", "series");
                w.WritePropertyName("series");
                SeriesPayload.WriteSeries(w, sample);
                w.WriteEndObject();
                w.Flush();
                buffer.Write("\n"u8);
                w.Reset(buffer);
                if (buffer.WrittenCount > 32 * 1024)
                {
                    await writer.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken);
                    buffer.ResetWrittenCount();
                }
            }
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken);
            await writer.FlushAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

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
