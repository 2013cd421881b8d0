using static Dca.EndToEnd.Tests.Manifests;

namespace Dca.EndToEnd.Tests;

/// <summary><c>docs/configuration.md</c> checked against the options code, through each native binary's <c>--help</c>.</summary>
public sealed class ConfigurationReferenceTests
{
    [Theory]
    [InlineData("dca", "## dca (cluster agent)")]
    [InlineData("dca-node", "## dca-node (node agent)")]
    public async Task EveryOption_IsDocumentedWithItsDefault_AndEveryDocumentedOptionExists(string binary, string heading)
    {
        var options = await HelpOptions.ReadAsync(binary);
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        var start = doc.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, heading);
        var end = doc.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        var rows = doc[start..(end < 0 ? doc.Length : end)].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries)).ToList();
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, defaultValue) in options)
        {
            var row = rows.FirstOrDefault(r => r[1].Split(',', StringSplitOptions.TrimEntries).Contains($"`{name}`"));
            Assert.True(row is not null, $"docs/configuration.md ({binary}) has no row for {name}");
            if (defaultValue is { Length: > 0 })
            {
                // Quoting aside (`x` in the docs, "x" in --help), the row states the same default.
                static string Plain(string s) => s.Replace("`", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);
                Assert.True(Plain(row![3]).Contains(Plain(defaultValue), StringComparison.Ordinal),
                    $"docs/configuration.md ({binary}): {name} defaults to {defaultValue} in --help but the row says '{row[3]}'");
            }
        }
        foreach (var row in rows)
        {
            foreach (var name in row[1].Split(',', StringSplitOptions.TrimEntries).Select(n => n.Trim('`')))
            {
                documented.Add(name);
                Assert.True(options.ContainsKey(name) || name is "KUBECONFIG" || name.StartsWith("DOTNET_", StringComparison.Ordinal),
                    $"docs/configuration.md ({binary}) documents {name}, which {binary} does not read");
            }
        }
        Assert.Superset(options.Keys.ToHashSet(StringComparer.Ordinal), documented);
    }
}
