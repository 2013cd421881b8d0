using System.Text.RegularExpressions;
using static Dca.EndToEnd.Tests.Manifests;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// <c>Dockerfile.distroless</c> cannot be built here (no Docker engine), so its contract is checked: the
/// build stage publishes with the command the tests publish with, and each final image holds one binary
/// on a chiseled base as a non-root user, with nothing that needs a shell.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string s_dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile.distroless"));

    private static Dictionary<string, List<(string Instruction, string Arguments)>> Stages()
    {
        var stages = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        List<(string, string)>? current = null;
        foreach (var raw in s_dockerfile.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var (instruction, arguments) = (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
            if (instruction == "FROM")
            {
                var m = FromLine().Match(arguments);
                Assert.True(m.Success, "every stage is named: " + line);
                stages[m.Groups["name"].Value] = current = [];
            }
            current!.Add((instruction, arguments));
        }
        return stages;
    }

    [Fact]
    public void BuildStage_PublishesWithTheCommandTheTestsUse()
    {
        var build = Stages()["build"];
        Assert.Contains(("RUN", "./dev publish /out"), build);
        // ./dev test publishes through the same function before the tests run against its output.
        var dev = File.ReadAllText(Path.Combine(Root, "dev"));
        var cmdTest = dev[dev.IndexOf("cmd_test() {", StringComparison.Ordinal)..];
        cmdTest = cmdTest[..cmdTest.IndexOf("\n}\n", StringComparison.Ordinal)];
        Assert.Contains("publish \"$NATIVE_DIR\"", cmdTest, StringComparison.Ordinal);
        Assert.Contains("publish) shift; publish \"$@\" ;;", dev, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", build[0].Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dca", new[] { 5005, 5556, 5000 })]
    [InlineData("dca-node", new[] { 5555, 5001 })]
    public void FinalImage_IsTheBinaryOnAChiseledBaseAsNonRoot(string target, int[] ports)
    {
        var stage = Stages()[target];
        Assert.Matches("^mcr.microsoft.com/dotnet/runtime-deps:10.0-[a-z]+-chiseled AS ", stage[0].Arguments);
        // Nothing runs in the final image's build (it has no shell), and it holds only the binary.
        Assert.DoesNotContain(stage, i => i.Instruction is "RUN" or "ADD" or "SHELL");
        var copy = Assert.Single(stage, i => i.Instruction == "COPY");
        Assert.Equal($"--from=build --chmod=0555 /out/{target} /usr/local/bin/{target}", copy.Arguments);
        Assert.Contains(("ENTRYPOINT", $"[\"/usr/local/bin/{target}\"]"), stage);
        var user = Assert.Single(stage, i => i.Instruction == "USER").Arguments;
        Assert.Matches("^[1-9][0-9]*:[1-9][0-9]*$", user);
        // The manifests run the image as the same numeric user (runAsNonRoot needs a numeric one).
        var workload = target == "dca" ? Single(Build("minimal"), "Deployment", "dca") : Single(Build("minimal"), "DaemonSet", "dca-node");
        Assert.Equal(user.Split(':')[0], Str(workload, "spec", "template", "spec", "securityContext", "runAsUser"));
        Assert.Equal(string.Join(' ', ports), Assert.Single(stage, i => i.Instruction == "EXPOSE").Arguments);
    }

    [Fact]
    public void BuildContext_LeavesOutBuildOutputsAndTheLocalToken()
    {
        var ignore = File.ReadAllLines(Path.Combine(Root, ".dockerignore"));
        Assert.Contains("deploy/base/cluster-agent-token", ignore);
        Assert.Contains("artifacts/", ignore);
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
    }

    [GeneratedRegex(@"^\S+ AS (?<name>[a-z-]+)$")]
    private static partial Regex FromLine();
}
