using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Files that are not YAML, or not shaped like a kubeconfig: the error names the file and the line or list.</summary>
public sealed class KubeConfigYamlErrorTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private KubeConfigException LoadFails(string yaml)
    {
        var path = _dir.Write("config", yaml);
        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load([path], null, _time));
        Assert.StartsWith($"kubeconfig {path}: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void Load_InvalidYaml_ErrorNamesFileAndLine()
    {
        var error = LoadFails("""
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "https://x"
            contexts: []
            """);

        Assert.Matches(@"not valid YAML at line [45]\b", error.Message);
    }

    [Fact]
    public void Load_InvalidYamlOnThirdLine_ErrorGivesOneBasedLine()
    {
        var error = LoadFails("current-context: ctx\nclusters: []\n  users: []\ncontexts: []\n");

        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateKey_ErrorNamesTheFile()
    {
        var error = LoadFails("current-context: a\ncurrent-context: b\n");

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClustersNotAList_ErrorNamesTheField()
    {
        var error = LoadFails("current-context: ctx\nclusters:\n  c:\n    server: https://x\n");

        Assert.Contains("field clusters must be a list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EntryWithoutName_ErrorNamesTheList()
    {
        var error = LoadFails("current-context: ctx\nusers:\n- user: {token: t}\n");

        Assert.Contains("every entry of users needs a name", error.Message, StringComparison.Ordinal);
    }
}
