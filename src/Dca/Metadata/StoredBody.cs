using System.Buffers.Binary;
using System.IO.Compression;

namespace Dca.Metadata;

/// <summary>
/// The per-node and per-namespace bodies are kept gzip-compressed when that makes them at least a quarter smaller
/// (the 5k profile's <c>tags/pod/{node}</c> and node-label bodies shrink to ~42 %: 10.7 MB -> 4.5 MB of a live
/// heap of ~26 MB). They stay plain <c>byte[]</c>: a stored body is gzip when it starts with gzip's magic bytes,
/// which no JSON text does. The API sends the compressed bytes as they are to clients that accept gzip (Go's HTTP
/// client, hence the Datadog node agent, asks for it unless told not to; so does <c>dca-node</c>) and decompresses
/// for the others. Readers that need the JSON itself (the per-pod and all-nodes routes, rarely used) call
/// <see cref="Json"/>.
/// </summary>
internal static class StoredBody
{
    /// <summary>Below this, gzip's 18 bytes of framing leave little to save.</summary>
    public const int MinimumToCompress = 256;

    /// <summary>The body to keep for <paramref name="json"/>: gzip when that saves a quarter or more, else the JSON itself.</summary>
    public static byte[] Pack(byte[] json)
    {
        if (json.Length < MinimumToCompress)
        {
            return json;
        }
        using var buffer = new MemoryStream(json.Length / 2);
        // Fastest (zlib level 1): 42 % of the JSON instead of 40 % at the default level, at two thirds of the time
        // (10,000 bodies are packed before the first snapshot).
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }
        return buffer.Length <= json.Length * 3L / 4 ? buffer.ToArray() : json;
    }

    /// <summary>Whether a stored body is gzip (RFC 1952 magic bytes; JSON text never starts with 0x1F).</summary>
    public static bool IsGzip(ReadOnlySpan<byte> stored) => stored.Length >= 18 && stored[0] == 0x1F && stored[1] == 0x8B;

    /// <summary>The JSON length of a stored body (gzip's trailer holds it, modulo 2^32: bodies are far smaller).</summary>
    public static int JsonLength(byte[] stored) =>
        IsGzip(stored) ? (int)BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(stored.Length - 4)) : stored.Length;

    /// <summary>Whether a stored body holds exactly <paramref name="json"/> (decompressing it only when the lengths agree).</summary>
    public static bool SameJson(byte[] stored, byte[] json) =>
        IsGzip(stored)
            ? JsonLength(stored) == json.Length && Json(stored).AsSpan().SequenceEqual(json)
            : stored.AsSpan().SequenceEqual(json);

    /// <summary>The JSON of a stored body: the array itself, or a new one decompressed from it.</summary>
    public static byte[] Json(byte[] stored)
    {
        if (!IsGzip(stored))
        {
            return stored;
        }
        var json = new byte[JsonLength(stored)];
        using var gzip = new GZipStream(new MemoryStream(stored, writable: false), CompressionMode.Decompress);
        gzip.ReadExactly(json);
        return json;
    }
}
