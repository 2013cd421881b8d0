using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dca.Kubernetes.Config;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Dca.ClusterChecks;

/// <summary>
/// Cluster checks from check files (<c>DD_CONFD_PATH</c>, typically a mounted ConfigMap), in Datadog's
/// layout: <c>&lt;check&gt;.yaml</c> or <c>&lt;check&gt;.d/*.yaml</c>, each with <c>init_config</c> and
/// <c>instances</c>. A file's instances are cluster checks when the file says <c>cluster_check: true</c> at
/// the top, or an instance says it; the rest belong to node agents and are skipped. A broken file is a
/// problem for that file only. A file is read in bounded time and memory whatever it holds (<see cref="MaxFileBytes"/>,
/// <see cref="MaxDepth"/>, <see cref="MaxValues"/>).
/// </summary>
public static class ConfDirectory
{
    /// <summary>
    /// The largest check file read: a ConfigMap holds at most 1 MiB in all, and Datadog's check files are a few KiB. Also
    /// what bounds a file that never ends (a link to <c>/dev/zero</c>), which is read no further.
    /// </summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>
    /// The deepest nesting of mappings and sequences, as <see cref="System.Text.Json"/>'s default. YamlDotNet builds its
    /// nodes recursively: 20,000 nested <c>[</c> (40 KB) overflow the stack and end the process, so the depth is checked
    /// on the parser's events (which are not recursive) before any node is built.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most values a file may expand to once its aliases are followed: nine levels of ten aliases each (a "billion
    /// laughs", a few hundred bytes) would otherwise expand to 10^9. A generous check file has a few hundred.
    /// </summary>
    public const int MaxValues = 100_000;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
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
        var text = ReadText(path);
        CheckShape(text);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
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
        var budget = new Budget();
        var selected = instances.Where(i => fileLevel || IsTrue(Child(i, "cluster_check"))).Select(i => ((JsonObject)ToJson(i, 0, budget)!).ToJsonString()).ToList();
        if (selected.Count == 0)
        {
            return null;
        }
        var init = Child(root, "init_config") is YamlMappingNode m ? ((JsonObject)ToJson(m, 0, budget)!).ToJsonString() : "{}";
        return new CheckConfig(check, init, selected, "file", "file:" + path, "", []);
    }

    /// <summary>The file as text: at most <see cref="MaxFileBytes"/>, strictly UTF-8 (as Datadog's YAML parser requires).</summary>
    private static string ReadText(string path)
    {
        if (!BoundedFile.TryReadBytes(path, MaxFileBytes, out var bytes))
        {
            throw new FormatException($"the file is larger than {MaxFileBytes >> 20} MiB");
        }
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return s_strictUtf8.GetString(bytes.Array!, bytes.Offset + start, bytes.Count - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"not UTF-8 text (byte 0x{e.BytesUnknown?.FirstOrDefault():X2} at offset {start + e.Index})", e);
        }
    }

    /// <summary>
    /// Checks the file's shape on the parser's events (which are not recursive) before YamlDotNet builds a single node:
    /// nesting no deeper than <see cref="MaxDepth"/>, and mapping keys that are scalars. YamlDotNet hashes a key as a whole
    /// while loading, aliases followed: an alias cycle as a key overflows the stack, a "billion laughs" as a key never ends.
    /// </summary>
    private static void CheckShape(string text)
    {
        var parser = new Parser(new StringReader(text));
        // Each open mapping or sequence, and how many nodes it holds so far (a mapping's even ones are its keys).
        var open = new Stack<(bool Mapping, int Nodes)>();
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            if (current is NodeEvent or AnchorAlias && open.TryPop(out var parent))
            {
                if (parent.Mapping && parent.Nodes % 2 == 0 && current is not YamlDotNet.Core.Events.Scalar)
                {
                    throw new FormatException($"mapping keys must be scalars (line {current.Start.Line})");
                }
                open.Push((parent.Mapping, parent.Nodes + 1));
            }
            switch (current)
            {
                case MappingStart or SequenceStart when open.Count >= MaxDepth:
                    throw new FormatException($"nested deeper than {MaxDepth} levels (line {current.Start.Line})");
                case MappingStart:
                    open.Push((true, 0));
                    break;
                case SequenceStart:
                    open.Push((false, 0));
                    break;
                case MappingEnd or SequenceEnd:
                    open.Pop();
                    break;
            }
        }
    }

    /// <summary>What is left of <see cref="MaxValues"/> for one file.</summary>
    private sealed class Budget
    {
        public int Left { get; set; } = MaxValues;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static bool IsTrue(YamlNode? node) => node is YamlScalarNode { Value: "true" or "True" or "TRUE" or "yes" };

    /// <summary>
    /// YAML to JSON (which is YAML again on the wire): plain scalars keep YAML's types (int, float, bool, null). Aliases
    /// are followed (the loaded document shares the anchored node), so the depth and the values are counted again here:
    /// an alias to an enclosing node is a cycle, found as too deep.
    /// </summary>
    private static JsonNode? ToJson(YamlNode node, int depth, Budget budget)
    {
        if (--budget.Left < 0)
        {
            throw new FormatException($"the file expands to more than {MaxValues} values (through aliases)");
        }
        if (depth >= MaxDepth && node is YamlMappingNode or YamlSequenceNode)
        {
            throw new FormatException($"nested deeper than {MaxDepth} levels (through aliases)");
        }
        return node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(
                (kv.Key as YamlScalarNode)?.Value ?? throw new FormatException("mapping keys must be scalars"), ToJson(kv.Value, depth + 1, budget)))),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(n => ToJson(n, depth + 1, budget))]),
            YamlScalarNode scalar => Scalar(scalar),
            _ => throw new FormatException("aliases are not supported in check files"),
        };
    }

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
