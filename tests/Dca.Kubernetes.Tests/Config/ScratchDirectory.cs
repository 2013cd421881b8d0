namespace Dca.Kubernetes.Tests.Config;

/// <summary>A throwaway directory for kubeconfig files, certificates, tokens and plugin scripts.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Root = Directory.CreateTempSubdirectory("dca-config-").FullName;
    }

    public string Root { get; }

    /// <summary>The full path of <paramref name="relative"/> under the root (not created).</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/>, creating directories, and returns the full path.</summary>
    public string Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Writes an executable <c>/bin/sh</c> script whose body follows the shebang line.</summary>
    public string WriteScript(string relative, string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("exec plugin tests run /bin/sh scripts");
        }
        var path = Write(relative, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A plugin the test killed may still be closing a file here; the OS temp cleaner will get it.
        }
    }
}
