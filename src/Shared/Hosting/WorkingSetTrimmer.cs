using System.Globalization;
using System.Runtime.InteropServices;

namespace Dca.Hosting;

/// <summary>
/// Gives back, once start-up work is done, the memory only start-up needed: free native heap pages
/// (<c>malloc_trim</c>) and the clean, file-backed pages of code and read-only data that only this
/// process maps (<c>madvise(MADV_PAGEOUT)</c>, Linux 5.4+). The kernel maps code in 64 KB windows
/// around every page touched, so after start-up nearly the whole executable is resident although
/// option parsing, certificate generation and the first lists never run again. Pages the process
/// needs later are read back on first use; pages shared with other processes are left alone by the
/// kernel. The managed heap is compacted by the caller before this runs.
/// </summary>
internal static partial class WorkingSetTrimmer
{
    private const int MadvPageout = 21;

    /// <summary>Trims and returns the resident size before and after, in bytes (zeros where unsupported).</summary>
    public static (long Before, long After) Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (0, 0);
        }
        var before = Environment.WorkingSet;
        try
        {
            _ = MallocTrim(0);
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (ParseTrimmable(line) is { } range)
                {
                    // EINVAL on kernels without MADV_PAGEOUT: nothing is lost, the pages just stay.
                    _ = Madvise((nint)range.Start, (nuint)(range.End - range.Start), MadvPageout);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return (before, before);
        }
        return (before, Environment.WorkingSet);
    }

    /// <summary>
    /// Compacts the managed heap, letting the collector decommit what it no longer needs, and returns
    /// the native heap's free pages (<c>malloc_trim</c>). For agents that work in bursts (a collection
    /// every 15 s): a few milliseconds per burst keep the resident size at what the process keeps.
    /// </summary>
    public static void CompactAfterBurst()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    /// <summary>Returns the native heap's free pages to the system (<c>malloc_trim</c>), where glibc is the allocator.</summary>
    private static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
    }

    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>
    /// Fixes glibc's thresholds at 512 KiB instead of letting them grow: by default, once a large block is freed
    /// (OpenSSL's and zlib's are), glibc raises its mmap threshold to that size and its trim threshold to twice it (up to
    /// 64 MiB), and from then on keeps freed memory instead of returning it: each TLS handshake's buffers stayed
    /// resident (serving 200 connections at 5k peaked at 71-79 MB, 68-73 MB with the thresholds fixed). Not lower: at
    /// 128 KiB (64-65 MB) each zlib compressor state (~256 KiB, one per body packed) is mapped anew, ~0.5 ms a body;
    /// under 50 pod replacements/s the cluster agent used 11 % of a core instead of 6 %, and 100,000 Services created
    /// at once delayed the snapshot by seconds (docs/benchmarks.md). Called after the first lists.
    /// </summary>
    public static void KeepNativeHeapTrimmed()
    {
        Volatile.Write(ref s_startupReleased, true);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = Mallopt(MMmapThreshold, 512 * 1024);
            _ = Mallopt(MTrimThreshold, 512 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): its allocator has no such thresholds.
        }
    }

    private static bool s_startupReleased;

    /// <summary>Whether start-up's memory has been released (<see cref="KeepNativeHeapTrimmed"/> ran): idle returns wait for it.</summary>
    public static bool StartupReleased => Volatile.Read(ref s_startupReleased);

    /// <summary>
    /// For long-running servers, between bursts (dca: every 10 s, and once a wave of TLS handshakes has passed): returns
    /// the native heap's free pages (<c>malloc_trim</c>; OpenSSL frees each TLS handshake's buffers and glibc keeps them:
    /// ~6 MB while serving 200 connections) and, when
    /// the managed heap has committed an eighth (and 2 MB) more than the last full collection kept — garbage
    /// that churn promoted to the old generation, which a non-concurrent collector otherwise keeps for minutes — compacts
    /// it, when <paramref name="allowCompaction"/>. Returns whether it compacted.
    /// </summary>
    public static bool ReturnIdleMemory(bool allowCompaction = true)
    {
        var last = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var live = last.Index > 0 ? last.PromotedBytes : GC.GetGCMemoryInfo().HeapSizeBytes;
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var compact = allowCompaction && committed > live + Math.Max(2L << 20, live / 8);
        if (compact)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        TrimNativeHeap();
        return compact;
    }

    /// <summary>
    /// The address range of a <c>/proc/self/maps</c> line that maps a file privately and read-only
    /// (code and constants: clean pages the kernel can drop and read back), else null.
    /// </summary>
    internal static (ulong Start, ulong End)? ParseTrimmable(string line)
    {
        // "start-end perms offset dev inode [path]"
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[1].Length != 4 || fields[1][1] == 'w' || fields[1][3] != 'p'
            || fields[4] == "0" || !fields[5].StartsWith('/'))
        {
            return null;
        }
        var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || end <= start)
        {
            return null;
        }
        return (start, end);
    }

    /// <summary>
    /// The native heap (glibc's <c>mallinfo2</c>, all arenas): bytes allocated (mapped blocks included) and bytes free
    /// inside it; null where glibc is older than 2.33 or not the allocator. Free bytes whose pages were returned
    /// (<c>malloc_trim</c>) still count as free here, and come back into the resident size as allocations reuse them.
    /// </summary>
    public static (long Allocated, long Free)? NativeHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            var info = MallInfo2();
            return ((long)(info.Uordblks + info.Hblkhd), (long)info.Fordblks);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2Result
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2Result MallInfo2();

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
