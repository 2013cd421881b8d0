using Dca.Hosting;

namespace Dca.Node.Tests;

public class NodeOptionsTests
{
    private static NodeOptions Load(Dictionary<string, string> env) =>
        NodeOptions.Load(new OptionSource(new Dictionary<string, string>(), env));

    [Fact]
    public void Load_NoSettings_UsesTheAgentHealthPort()
    {
        Assert.Equal(5555, Load([]).HealthPortNumber);
    }

    [Fact]
    public void Load_BadHealthPort_NamesTheVariable()
    {
        var ex = Assert.Throws<OptionException>(() => Load(new() { ["DD_HEALTH_PORT"] = "-1" }));

        Assert.StartsWith("invalid DD_HEALTH_PORT=\"-1\"", ex.Message, StringComparison.Ordinal);
    }
}
