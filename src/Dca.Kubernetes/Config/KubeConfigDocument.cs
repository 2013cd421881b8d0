using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dca.Kubernetes.Config;

/// <summary>
/// One kubeconfig file as named maps of clusters, users and contexts. Parsed with YamlDotNet's
/// representation model (a plain node tree, no reflection, so it is safe for native AOT).
/// </summary>
internal sealed class KubeConfigDocument
{
    public required string Path { get; init; }

    public string? CurrentContext { get; init; }

    public Dictionary<string, YamlMappingNode> Clusters { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, YamlMappingNode> Users { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, YamlMappingNode> Contexts { get; } = new(StringComparer.Ordinal);

    public static KubeConfigDocument Load(string path)
    {
        string text;
        try
        {
            text = BoundedFile.ReadText(path, BoundedFile.MaxConfigBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"kubeconfig {path}: cannot be read: {ex.Message}", ex);
        }
        return Parse(text, path);
    }

    /// <summary>
    /// The deepest nesting of sequences and mappings accepted. A kubeconfig nests about 5 deep; YamlDotNet's
    /// representation model recurses once per level without a limit, so a deeper document (100,000 <c>[</c>)
    /// would overflow the stack and kill the process instead of failing.
    /// </summary>
    public const int MaxDepth = 64;

    public static KubeConfigDocument Parse(string text, string path)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            CheckDepth(text, path);
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            throw new KubeConfigException($"kubeconfig {path}: not valid YAML at line {ex.Start.Line}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Some malformed input (an unclosed flow mapping) makes YamlDotNet's scanner fail with a plain
            // exception and no position: report where the scanner stopped.
            throw new KubeConfigException($"kubeconfig {path}: not valid YAML at line {scanner.CurrentPosition.Line}: {ex.Message}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            // An empty file is a valid, empty kubeconfig (kubectl treats it so).
            return new KubeConfigDocument { Path = path };
        }
        var doc = new KubeConfigDocument { Path = path, CurrentContext = Scalar(root, "current-context") };
        ReadNamed(root, "clusters", "cluster", doc.Clusters, path);
        ReadNamed(root, "users", "user", doc.Users, path);
        ReadNamed(root, "contexts", "context", doc.Contexts, path);
        return doc;
    }

    /// <summary>
    /// Walks the parser's events (iteratively: no recursion) and refuses nesting deeper than <see cref="MaxDepth"/>.
    /// A syntax error ends the walk: the load then reports it, with its position, having nested no deeper.
    /// </summary>
    private static void CheckDepth(string text, string path)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (MoveNext(parser))
        {
            if (parser.Current is YamlDotNet.Core.Events.NodeEvent { } node and (YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart))
            {
                if (++depth > MaxDepth)
                {
                    throw new KubeConfigException($"kubeconfig {path}: values are nested deeper than {MaxDepth} levels at line {node.Start.Line}");
                }
            }
            else if (parser.Current is YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd)
            {
                depth--;
            }
        }
    }

    private static bool MoveNext(Parser parser)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void ReadNamed(YamlMappingNode root, string listKey, string itemKey, Dictionary<string, YamlMappingNode> into, string path)
    {
        if (Child(root, listKey) is not { } node || node is YamlScalarNode { Value: null or "" or "null" })
        {
            return;
        }
        if (node is not YamlSequenceNode list)
        {
            throw new KubeConfigException($"kubeconfig {path}: field {listKey} must be a list");
        }
        foreach (var item in list)
        {
            if (item is not YamlMappingNode entry || Scalar(entry, "name") is not { Length: > 0 } name)
            {
                throw new KubeConfigException($"kubeconfig {path}: every entry of {listKey} needs a name");
            }
            // Within one file the first definition wins, as in client-go's merge.
            into.TryAdd(name, Child(entry, itemKey) as YamlMappingNode ?? new YamlMappingNode());
        }
    }

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string? Scalar(YamlMappingNode map, string key) =>
        Child(map, key) is YamlScalarNode { Value: { } v } && v is not ("null" or "~") ? v : null;
}
