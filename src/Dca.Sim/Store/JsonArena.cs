using System.Buffers;
using System.Runtime.InteropServices;

namespace Dca.Sim.Store;

/// <summary>
/// Packs many objects' JSON into large chunks of native memory for a bulk load. The 5k profile's
/// 700 MB of pod JSON then lives outside the GC heap: no large-object-heap budget to trigger full
/// collections while it is generated, nothing for the GC to look at afterwards. Chunks are never
/// freed — the initial objects live as long as the process (objects written later are ordinary
/// arrays). Not thread-safe: one arena per worker.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The chunks are never freed: the loaded objects point into them for the process's lifetime.")]
internal sealed class JsonArena
{
    private const int ChunkSize = 16 << 20;
    private NativeChunk? _chunk;
    private int _used;

    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> json)
    {
        if (_chunk is null || _chunk.Length - _used < json.Length)
        {
            _chunk = new NativeChunk(Math.Max(ChunkSize, json.Length));
            _used = 0;
        }
        json.CopyTo(_chunk.GetSpan()[_used..]);
        var slice = _chunk.Memory.Slice(_used, json.Length);
        _used += json.Length;
        return slice;
    }

    /// <summary>A block of native memory exposed as <see cref="Memory{T}"/>.</summary>
    private sealed unsafe class NativeChunk(int length) : MemoryManager<byte>
    {
        private readonly byte* _pointer = (byte*)NativeMemory.Alloc((nuint)length);

        public int Length { get; } = length;

        public override Span<byte> GetSpan() => new(_pointer, Length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
            // Native memory never moves.
        }

        // Deliberately never freed: see JsonArena.
        protected override void Dispose(bool disposing)
        {
        }
    }
}
