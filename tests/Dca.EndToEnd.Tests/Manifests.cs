using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// The repository's <c>deploy/</c> overlays built with the real <c>kubectl kustomize</c> (in a copy of
/// <c>deploy/</c> with a token made by <c>deploy/new-token</c>, as an operator would), as YAML objects.
/// </summary>
public static class Manifests
{
    private static readonly Lazy<string> s_deployCopy = new(CopyDeploy);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IReadOnlyList<YamlMappingNode>>> s_builds = new(StringComparer.Ordinal);

    /// <summary>The repository root (the directory holding <c>dev</c>).</summary>
    public static string Root { get; } = FindRoot();

    public static string DeployCopy => s_deployCopy.Value;

    /// <summary>The token <c>deploy/new-token</c> wrote into the copy.</summary>
    public static string Token => File.ReadAllText(Path.Combine(DeployCopy, "base", "cluster-agent-token"));

    /// <summary>Every object <c>kubectl kustomize deploy/overlays/{overlay}</c> builds (built once per test run; callers only read it).</summary>
    public static IReadOnlyList<YamlMappingNode> Build(string overlay) =>
        s_builds.GetOrAdd(overlay, static o => new Lazy<IReadOnlyList<YamlMappingNode>>(() => Kustomize(o))).Value;

    private static IReadOnlyList<YamlMappingNode> Kustomize(string overlay)
    {
        var (code, stdout, stderr) = Run("kubectl", ["kustomize", Path.Combine(DeployCopy, "overlays", overlay)], DeployCopy);
        Assert.True(code == 0, $"kubectl kustomize {overlay} failed: {stderr}");
        var stream = new YamlStream();
        stream.Load(new StringReader(stdout));
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    public static YamlMappingNode Single(IEnumerable<YamlMappingNode> objects, string kind, string name) =>
        objects.Single(o => Str(o, "kind") == kind && Str(o, "metadata", "name") == name);

    public static IEnumerable<YamlMappingNode> OfKind(IEnumerable<YamlMappingNode> objects, string kind) =>
        objects.Where(o => Str(o, "kind") == kind);

    /// <summary>The node at a path of mapping keys, or null.</summary>
    public static YamlNode? At(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    public static string? Str(YamlNode node, params string[] path) => (At(node, path) as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlNode> Seq(YamlNode node, params string[] path) =>
        At(node, path) is YamlSequenceNode seq ? [.. seq.Children] : [];

    public static IReadOnlyList<string> Strings(YamlNode node, params string[] path) =>
        [.. Seq(node, path).OfType<YamlScalarNode>().Select(s => s.Value!)];

    /// <summary>The containers of a workload's pod template.</summary>
    public static IReadOnlyList<YamlMappingNode> Containers(YamlMappingNode workload) =>
        [.. Seq(workload, "spec", "template", "spec", "containers").Cast<YamlMappingNode>()];

    public static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = new Process { StartInfo = start };
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.Append(e.Data).Append('\n'); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "dev")) && Directory.Exists(Path.Combine(dir.FullName, "deploy")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root (with dev and deploy/) not found above " + AppContext.BaseDirectory);
    }

    private static string CopyDeploy()
    {
        var target = Directory.CreateTempSubdirectory("dca-deploy-").FullName;
        var source = Path.Combine(Root, "deploy");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative == Path.Combine("base", "cluster-agent-token"))
            {
                continue;
            }
            var to = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(file));
            }
        }
        var (code, _, stderr) = Run(Path.Combine(target, "new-token"), []);
        Assert.True(code == 0, "deploy/new-token failed: " + stderr);
        return target;
    }
}
