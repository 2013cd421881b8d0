using System.Text;
using Dca.ClusterChecks;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Dca.Tests.Hostile;

/// <summary>
/// Check files in the checks directory (<c>DD_CONFD_PATH</c>, usually a mounted ConfigMap): a hostile or broken file is
/// a problem for that file only, reported with the reason, read in bounded time and memory; the other files are read.
/// </summary>
public sealed class CheckFileInputTests(ITestOutputHelper output) : IDisposable
{
    private const string Good = """
        cluster_check: true
        init_config:
        instances:
          - name: good
            url: http://status.example.com/
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dca-hostile-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Laughs(int levels)
    {
        var yaml = new StringBuilder("cluster_check: true\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < levels; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }
        return yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"instances:\n  - name: bomb\n    data: *l{levels - 1}\n").ToString();
    }

    private static byte[] Content(string name) => name switch
    {
        "a billion laughs" => Encoding.UTF8.GetBytes(Laughs(9)),
        "a million values through aliases" => Encoding.UTF8.GetBytes(Laughs(6)),
        "an alias cycle as a key" => "cluster_check: true\ninstances:\n  - ? &k [*k]\n    : 1\n"u8.ToArray(),
        "a billion laughs as a key" => Encoding.UTF8.GetBytes(Laughs(9).Replace("    data: *l8", "    ? *l8\n    : 1", StringComparison.Ordinal)),
        "an alias cycle" => "cluster_check: true\ninstances:\n  - &x {name: loop, self: [*x]}\n"u8.ToArray(),
        "nested 100,000 deep" => Encoding.UTF8.GetBytes("cluster_check: true\ninstances:\n  - x: " + new string('[', 100_000) + new string(']', 100_000) + "\n"),
        "nested 100,000 deep in block style" => Encoding.UTF8.GetBytes("cluster_check: true\ninstances:\n  " + string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n"),
        "larger than 1 MiB" => Encoding.UTF8.GetBytes(Good + "\n# " + new string('x', 2 << 20) + "\n"),
        "tab indentation" => "cluster_check: true\ninstances:\n\t- name: tab\n"u8.ToArray(),
        "not UTF-8" => [.. "cluster_check: true\ninstances:\n  - name: caf"u8, 0xE9, .. "\n"u8],
        "binary" => [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x3A, 0x0A, 0x2D, 0x00],
        "empty" => [],
        "a comment only" => "# nothing here\n"u8.ToArray(),
        "instances a number" => "cluster_check: true\ninstances: 5\n"u8.ToArray(),
        "an instance a string" => "cluster_check: true\ninstances: [just-a-string]\n"u8.ToArray(),
        "a key that is a list" => "cluster_check: true\ninstances:\n  - ? [a, b]\n    : 1\n"u8.ToArray(),
        "a key twice" => "cluster_check: true\ninstances:\n  - name: a\n    name: b\n"u8.ToArray(),
        "a list at the top" => "- cluster_check: true\n"u8.ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [InlineData("a billion laughs", "more than 100000 values")]
    [InlineData("a million values through aliases", "more than 100000 values")]
    [InlineData("an alias cycle", "deeper than 64 levels")]
    [InlineData("an alias cycle as a key", "mapping keys must be scalars")]
    [InlineData("a billion laughs as a key", "mapping keys must be scalars")]
    [InlineData("nested 100,000 deep", "deeper than 64 levels")]
    [InlineData("nested 100,000 deep in block style", "deeper than 64 levels")]
    [InlineData("larger than 1 MiB", "larger than 1 MiB")]
    [InlineData("tab indentation", "invalid YAML")]
    [InlineData("not UTF-8", "not UTF-8 text")]
    [InlineData("binary", "")]
    [InlineData("empty", "expected a mapping")]
    [InlineData("a comment only", "expected a mapping")]
    [InlineData("instances a number", "instances is not a list")]
    [InlineData("an instance a string", "instance 0 is not a mapping")]
    [InlineData("a key that is a list", "mapping keys must be scalars")]
    [InlineData("a key twice", "Duplicate key")]
    [InlineData("a list at the top", "expected a mapping")]
    public void Read_NastyFile_IsThatFilesProblemWithItsReason_AndTheOthersAreRead(string name, string reason)
    {
        File.WriteAllText(Path.Combine(_dir, "good.yaml"), Good);
        var nasty = Path.Combine(_dir, "nasty.yaml");
        File.WriteAllBytes(nasty, Content(name));

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var (configs, problems) = ConfDirectory.Read(_dir);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        output.WriteLine($"{name}: {Content(name).Length} bytes, read in {allocated >> 10} KiB of allocations");

        Assert.Equal("good", Assert.Single(configs).CheckName);
        var problem = Assert.Single(problems);
        Assert.Equal(nasty, problem.Origin);
        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
        // Bounded: the largest file read is 1 MiB and its expansion 100,000 values (a billion laughs alone would be ~10^9).
        Assert.True(allocated < 256L << 20, $"reading the directory allocated {allocated >> 20} MiB");
    }

    [Theory]
    [InlineData("a byte-order mark", "\uFEFFcluster_check: true\ninstances:\n  - name: bom\n")]
    [InlineData("60 levels deep", null)]
    [InlineData("anchors used sparingly", "cluster_check: true\ninstances:\n  - &one {name: a, tags: &t [x, y]}\n  - {name: b, tags: *t}\n")]
    [InlineData("more documents after the first", "cluster_check: true\ninstances: [{name: first}]\n---\n{}\n---\n[a, b]\n")]
    [InlineData("odd scalars", "cluster_check: true\ninstances:\n  - {name: odd, a: .inf, b: NaN, c: 1e400, d: 99999999999999999999, e: !!binary aGk=, f: ~, g: 0x1F}\n")]
    public void Read_OddButValidFile_IsRead(string name, string? yaml)
    {
        yaml ??= "cluster_check: true\ninstances:\n  - name: deep\n    x: " + new string('[', 58) + new string(']', 58) + "\n";
        File.WriteAllText(Path.Combine(_dir, "odd.yaml"), yaml);
        var (configs, problems) = ConfDirectory.Read(_dir);
        Assert.True(problems.Count == 0, name + ": " + string.Join("; ", problems));
        Assert.NotEmpty(configs);
    }

    [Fact]
    public void Read_DirectoryNamedLikeAFile_AndADevZeroLink_AreSkippedOrRefused_NotHung()
    {
        File.WriteAllText(Path.Combine(_dir, "good.yaml"), Good);
        Directory.CreateDirectory(Path.Combine(_dir, "folder.yaml"));
        Directory.CreateDirectory(Path.Combine(_dir, "nested.d", "inner.yaml"));
        File.CreateSymbolicLink(Path.Combine(_dir, "zero.yaml"), "/dev/zero");

        var (configs, problems) = ConfDirectory.Read(_dir);

        Assert.Equal("good", Assert.Single(configs).CheckName);
        var problem = Assert.Single(problems);
        Assert.EndsWith("zero.yaml", problem.Origin, StringComparison.Ordinal);
        Assert.Contains("larger than 1 MiB", problem.Message, StringComparison.Ordinal);
        Assert.NotEmpty(ConfDirectory.Fingerprint(_dir));
    }

    private const string ValidYaml = """
        cluster_check: true
        init_config:
          timeout: 3
        instances:
          - name: a
            url: "http://%%host%%:%%port%%/"
            tags: [a:b, "c", 'd']
          - &inst {name: b, port: 80, nested: {list: [1, 2.5, true, null]}}
          - *inst
          - |
            block
        """;

    [Fact]
    public void Read_AnyFileContent_GivesAConfigNothingOrAProblem_NeverThrows()
    {
        var text = Gen.OneOf(HostileInput.Mutated(ValidYaml), HostileInput.Text).Select(static t => Encoding.UTF8.GetBytes(t));
        var content = Gen.Frequency((4, text), (1, HostileInput.Bytes));
        File.WriteAllText(Path.Combine(_dir, "good.yaml"), Good);
        var path = Path.Combine(_dir, "random.yaml");
        Check.One(HostileInput.Runs(300), Prop.ForAll(content.ToArbitrary(), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var (configs, problems) = ConfDirectory.Read(_dir);
            Assert.Contains(configs, c => c.CheckName == "good");
            Assert.True(problems.Count <= 1);
            Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
            Assert.All(configs.SelectMany(c => c.Instances), i => System.Text.Json.JsonDocument.Parse(i).Dispose());
        }));
    }
}
