using System.Text.Json;

namespace Dca.Protocol.Tests;

public class AgentVersionTests
{
    [Fact]
    public void Serialize_UsesGoStructFieldNames()
    {
        var version = AgentVersion.Compatible("0.1.0+abc1234", "abc1234");

        var json = JsonSerializer.Serialize(version, ProtocolJsonContext.Default.AgentVersion);

        Assert.Equal("""{"Major":7,"Minor":60,"Patch":0,"Pre":"","Meta":"dca.0.1.0","Commit":"abc1234"}""", json);
    }

    [Fact]
    public void Compatible_PassesTheNodeAgentsVersionGates()
    {
        var version = AgentVersion.Compatible("0.1.0", "x");

        // PROTOCOL.md §2: per-node tags need >= 1.3; namespace metadata needs major >= 7 && minor >= 55.
        Assert.True(version.Major >= 7 && version.Minor >= 55);
        Assert.NotEqual("0.0.0", $"{version.Major}.{version.Minor}.{version.Patch}");
        Assert.Equal("7.60.0+dca.0.1.0", version.ToString());
    }
}
