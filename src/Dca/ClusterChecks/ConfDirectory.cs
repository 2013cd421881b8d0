using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dca.ClusterChecks;

/// <summary>
/// Cluster checks from check files (<c>DD_CONFD_PATH</c>, typically a mounted ConfigMap), in Datadog's
/// layout: <c>&lt;check&gt;.yaml</c> or <c>&lt;check&gt;.d/*.yaml</c>, each with <c>init_config</c> and
/// <c>instances</c>. A file's instances are cluster checks when the file says <c>cluster_check: true</c> at
/// the top, or an instance says it; the rest belong to node agents and are skipped. A broken file is a
/// problem for that file only.
/// </summary>
public static class ConfDirectory
{
    public static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) Read(string directory)
    {
        var configs = new List<CheckConfig>();
        var problems = new List<ConfigProblem>();
        if (!Directory.Exists(directory))
        {
            return (configs, problems);
        }
        List<(string Check, string Path)> files;
        try
        {
            files = Files(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(directory, "cannot list the checks directory: " + e.Message));
            return (configs, problems);
        }
        foreach (var (check, path) in files)
        {
            try
            {
                if (Parse(check, path) is { } config)
                {
                    configs.Add(config);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything a hostile or odd file can raise (bad YAML, duplicate keys, unreadable) is that file's problem only.
                problems.Add(new ConfigProblem(path, e is YamlException y ? $"invalid YAML at line {y.Start.Line}: {y.InnerException?.Message ?? y.Message}" : e.Message));
            }
        }
        return (configs, problems);
    }

    /// <summary>
    /// What the directory holds now, cheaply: each check file's path, size and modification time (through
    /// symbolic links, which is how a mounted ConfigMap swaps its files). Equal fingerprints mean nothing to re-read.
    /// </summary>
    public static string Fingerprint(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return "";
        }
        // Hashed as it goes: 10,000 files would otherwise make a string large enough for the large-object heap.
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        List<(string Check, string Path)> files;
        try
        {
            files = Files(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unlistable: a fingerprint that never matches, so Read runs and reports why.
            return "unlistable " + Guid.NewGuid();
        }
        foreach (var (_, path) in files)
        {
            string line;
            try
            {
                var info = new FileInfo(path);
                var target = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
                line = $"{path}\0{target.FullName}\0{target.Length}\0{target.LastWriteTimeUtc.Ticks}\n";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                line = path + "\0?\n";
            }
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(line));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The check files: <c>&lt;check&gt;.yaml</c> and <c>&lt;check&gt;.d/*.yaml</c>, in name order, with their check names.</summary>
    private static List<(string Check, string Path)> Files(string directory)
    {
        var files = new List<(string Check, string Path)>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            if (Directory.Exists(entry) && name.EndsWith(".d", StringComparison.Ordinal))
            {
                files.AddRange(Directory.EnumerateFiles(entry).Where(IsYaml).Order(StringComparer.Ordinal).Select(f => (name[..^2], f)));
            }
            else if (File.Exists(entry) && IsYaml(entry) && !name.StartsWith("..", StringComparison.Ordinal))
            {
                files.Add((Path.GetFileNameWithoutExtension(name), entry));
            }
        }
        return files;
    }

    private static bool IsYaml(string path) => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal);

    private static CheckConfig? Parse(string check, string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("expected a mapping with init_config and instances");
        }
        var fileLevel = IsTrue(Child(root, "cluster_check"));
        var instances = Child(root, "instances") switch
        {
            null => [],
            YamlSequenceNode seq => seq.Children.Select((n, i) => n as YamlMappingNode ?? throw new FormatException($"instance {i} is not a mapping")).ToList(),
            YamlScalarNode { Value: null or "" or "~" or "null" } => [],
            _ => throw new FormatException("instances is not a list"),
        };
        var selected = instances.Where(i => fileLevel || IsTrue(Child(i, "cluster_check"))).Select(i => ((JsonObject)ToJson(i)!).ToJsonString()).ToList();
        if (selected.Count == 0)
        {
            return null;
        }
        var init = Child(root, "init_config") is YamlMappingNode m ? ((JsonObject)ToJson(m)!).ToJsonString() : "{}";
        return new CheckConfig(check, init, selected, "file", "file:" + path, "", []);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static bool IsTrue(YamlNode? node) => node is YamlScalarNode { Value: "true" or "True" or "TRUE" or "yes" };

    /// <summary>YAML to JSON (which is YAML again on the wire): plain scalars keep YAML's types (int, float, bool, null).</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(
            (kv.Key as YamlScalarNode)?.Value ?? throw new FormatException("mapping keys must be scalars"), ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException("aliases are not supported in check files"),
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d) && value.Any(char.IsDigit) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }
}
