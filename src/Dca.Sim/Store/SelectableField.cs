namespace Dca.Sim.Store;

/// <summary>
/// A field selector label and the JSON path it reads, e.g. label <c>source</c> reads
/// <c>source.component</c> on core/v1 Events (as the real API server maps it).
/// </summary>
public sealed class SelectableField
{
    /// <summary>Creates a field whose label is also its dotted path.</summary>
    public SelectableField(string label)
        : this(label, label)
    {
    }

    /// <summary>Creates a field with a label and a different dotted path.</summary>
    public SelectableField(string label, string path)
    {
        Label = label;
        var parts = path.Split('.');
        Path = parts;
        Utf8Path = [.. parts.Select(System.Text.Encoding.UTF8.GetBytes)];
        _prefixes = new string[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            _prefixes[i] = string.Join('.', parts, 0, i + 1);
        }
    }

    private readonly string[] _prefixes;

    /// <summary>The path segments as UTF-8, for allocation-free matching against property names.</summary>
    internal byte[][] Utf8Path { get; }

    /// <summary>The first <paramref name="depth"/> path segments joined with dots.</summary>
    internal string PrefixAt(int depth) => _prefixes[depth - 1];

    /// <summary>The name used in <c>fieldSelector</c>.</summary>
    public string Label { get; }

    /// <summary>The JSON property path.</summary>
    public IReadOnlyList<string> Path { get; }
}
