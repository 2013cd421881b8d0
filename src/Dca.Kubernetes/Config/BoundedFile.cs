using System.Text;

namespace Dca.Kubernetes.Config;

/// <summary>
/// Reads configuration files (kubeconfig, certificates, tokens, check files) with a size limit, so a wrong path (a log
/// file, <c>/dev/zero</c>) fails with a clear error instead of filling memory. Also compiled into the cluster agent (its
/// check files) and the node agent (the kubelet token), which do not see this library's internals.
/// </summary>
internal static class BoundedFile
{
    /// <summary>A kubeconfig or a PEM file: real ones are KiB to a few MiB (hundreds of contexts, CA bundles).</summary>
    public const int MaxConfigBytes = 16 * 1024 * 1024;

    /// <summary>A bearer token file: service-account and OIDC tokens are a few KiB.</summary>
    public const int MaxTokenBytes = 1024 * 1024;

    /// <summary>The file's text; an <see cref="IOException"/> (which callers report with the path) when it holds more than <paramref name="maxBytes"/>.</summary>
    public static string ReadText(string path, int maxBytes)
    {
        if (!TryReadBytes(path, maxBytes, out var bytes))
        {
            throw new IOException($"the file is larger than {maxBytes} bytes");
        }
        // Decoded as File.ReadAllText does: UTF-8 unless a byte order mark says otherwise (and the mark dropped).
        using var reader = new StreamReader(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The file's bytes in a buffer sized by the file (not by <paramref name="maxBytes"/>), or false once more than
    /// <paramref name="maxBytes"/> have been read (a file that never ends is read no further).
    /// </summary>
    public static bool TryReadBytes(string path, int maxBytes, out ArraySegment<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        var buffer = new byte[Math.Min(maxBytes + 1L, stream.CanSeek && stream.Length > 0 ? stream.Length + 1 : 64 * 1024)];
        var length = 0;
        int read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length > maxBytes)
            {
                bytes = default;
                return false;
            }
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1L, buffer.Length * 2L));
            }
        }
        bytes = new ArraySegment<byte>(buffer, 0, length);
        return true;
    }
}
