using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>Writes watch lines (<c>{"type":...,"object":...}\n</c>) to the response and flushes in batches.</summary>
internal sealed class WatchStreamWriter(PipeWriter pipe, ObjectRenderer renderer) : IDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly Utf8JsonWriter _w = new(pipe, new JsonWriterOptions { SkipValidation = true });
    private long _unflushed;
    private bool _columnsSent;

    public void Event(string type, StoredObject obj)
    {
        _w.WriteStartObject();
        _w.WriteString("type", type);
        _w.WritePropertyName("object");
        // Tables in watch events carry their column definitions once, as the real server does to save bandwidth.
        renderer.WriteObject(_w, obj, withColumns: !_columnsSent);
        _columnsSent = true;
        _w.WriteEndObject();
        EndLine();
    }

    public void Bookmark(long rv, bool initialEventsEnd)
    {
        _w.WriteStartObject();
        _w.WriteString("type", "BOOKMARK");
        _w.WritePropertyName("object");
        renderer.WriteBookmark(_w, rv, initialEventsEnd);
        _w.WriteEndObject();
        EndLine();
    }

    public void Error(StatusException ex)
    {
        _w.WriteStartObject();
        _w.WriteString("type", "ERROR");
        _w.WritePropertyName("object");
        StatusResponse.WriteFailure(_w, ex);
        _w.WriteEndObject();
        EndLine();
    }

    public async ValueTask FlushAsync(bool force, CancellationToken ct)
    {
        if (_unflushed > 0 && (force || _unflushed > FlushThreshold))
        {
            _unflushed = 0;
            await pipe.FlushAsync(ct);
        }
    }

    private void EndLine()
    {
        // The JSON goes to the pipe, then the newline; the writer then starts a fresh root value (no separator).
        _w.Flush();
        _unflushed += _w.BytesCommitted + 1;
        pipe.Write("\n"u8);
        _w.Reset(pipe);
    }

    public void Dispose() => _w.Dispose();
}
