using System.Text.RegularExpressions;
using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>The options a native binary reads, as its <c>--help</c> lists them: environment variable → default (or null).</summary>
public static partial class HelpOptions
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<IReadOnlyDictionary<string, string?>>> s_read = new(StringComparer.Ordinal);

    /// <summary>The binary's options (its <c>--help</c> runs once per test run).</summary>
    public static Task<IReadOnlyDictionary<string, string?>> ReadAsync(string binary) => s_read.GetOrAdd(binary, ParseAsync);

    private static async Task<IReadOnlyDictionary<string, string?>> ParseAsync(string binary)
    {
        var (code, stdout, stderr) = await NativeProcess.RunAsync(binary, ["--help"]);
        Assert.True(code == 0, $"{binary} --help failed: {stderr}");
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lines = stdout.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (OptionLine().Match(lines[i]) is not { Success: true } m)
            {
                continue;
            }
            var env = m.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(n => !n.StartsWith("--", StringComparison.Ordinal));
            if (env is null)
            {
                continue;
            }
            var defaultMatch = DefaultText().Match(lines[i + 1]);
            options[env] = defaultMatch.Success ? defaultMatch.Groups[1].Value : null;
        }
        Assert.NotEmpty(options);
        return options;
    }

    [GeneratedRegex(@"^  (?<names>(--[a-z-]+|[A-Z][A-Z0-9_]+)(, (--[a-z-]+|[A-Z][A-Z0-9_]+))*)\s*$")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"\(default: ([^)]*)\)\s*$")]
    private static partial Regex DefaultText();
}
