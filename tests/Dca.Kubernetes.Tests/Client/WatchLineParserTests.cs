using System.Buffers;
using System.Text;
using System.Text.Json;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Tests.Client;

public class WatchLineParserTests
{
    private static WatchEvent<Pod> Parse(string line) =>
        WatchLineParser.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)), KubernetesJsonContext.Default.Pod);

    [Fact]
    public void Parse_Added_ReadsTrimmedObject()
    {
        var e = Parse(FakeApiServer.Event("ADDED", FakeApiServer.Pod("ns", "p", "7")).Trim());

        Assert.Equal(WatchEventType.Added, e.Type);
        Assert.Equal("ns/p", e.Object!.Metadata.Key);
        Assert.Equal("node-1", e.Object.Spec!.NodeName);
        Assert.Equal("web", e.Object.Metadata.Labels!["app"]);
    }

    [Fact]
    public void Parse_ObjectBeforeType_StillReadsObject()
    {
        var e = Parse("{\"object\":" + FakeApiServer.Pod("ns", "p", "7") + ",\"type\":\"DELETED\"}");

        Assert.Equal(WatchEventType.Deleted, e.Type);
        Assert.Equal("7", e.Object!.Metadata.ResourceVersion);
    }

    [Fact]
    public void Parse_Error_ReadsStatus()
    {
        var e = Parse(FakeApiServer.Event("ERROR", FakeApiServer.Status(410, "Expired", "too old")).Trim());

        Assert.Equal(WatchEventType.Error, e.Type);
        Assert.Equal(410, e.Error!.Code);
        Assert.Equal("Expired", e.Error.Reason);
    }

    [Fact]
    public void Parse_Bookmark_ReadsResourceVersion()
    {
        var e = Parse("""{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}}""");

        Assert.Equal(WatchEventType.Bookmark, e.Type);
        Assert.Equal("99", e.Object!.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"type\":\"ADDED\"}")]
    [InlineData("{\"type\":\"EXPLODED\",\"object\":{}}")]
    [InlineData("{\"object\":{}}")]
    public void Parse_Malformed_Throws(string line)
    {
        Assert.Throws<JsonException>(() => Parse(line));
    }
}
