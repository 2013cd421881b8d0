using System.Runtime.InteropServices;

namespace Dca.Testing;

/// <summary>
/// A directory laid out and updated as the kubelet's atomic writer updates a Secret volume: the files are
/// symlinks through <c>..data</c>, which points at a timestamped directory; an update writes a new such
/// directory and renames a new <c>..data_tmp</c> symlink over <c>..data</c> (one rename(2)), then removes the old one.
/// </summary>
public sealed partial class SecretVolume : IDisposable
{
    private int _version;

    public SecretVolume(IReadOnlyDictionary<string, string> files)
    {
        Directory = Path.Combine(Path.GetTempPath(), "dca-secret-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Publish(files);
        foreach (var name in files.Keys)
        {
            File.CreateSymbolicLink(Path.Combine(Directory, name), Path.Combine("..data", name));
        }
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Replaces every file at once, as an update of the Secret does.</summary>
    public void Publish(IReadOnlyDictionary<string, string> files)
    {
        var version = $"..2026_12_06_00_00_{++_version:D2}.{Environment.ProcessId}";
        var target = Path.Combine(Directory, version);
        System.IO.Directory.CreateDirectory(target);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(target, name), content);
        }
        var data = Path.Combine(Directory, "..data");
        var previous = File.Exists(data) || System.IO.Directory.Exists(data) ? new FileInfo(data).LinkTarget : null;
        var temporary = Path.Combine(Directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, version);
        if (Rename(temporary, data) != 0)
        {
            throw new IOException($"rename {temporary} {data}: errno {Marshal.GetLastPInvokeError()}");
        }
        if (previous is not null)
        {
            System.IO.Directory.Delete(Path.Combine(Directory, previous), recursive: true);
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string from, string to);
}
