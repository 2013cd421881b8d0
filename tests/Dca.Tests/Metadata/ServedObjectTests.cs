using System.Text;
using Dca.Kubernetes.Models;
using Dca.Metadata;

namespace Dca.Tests.Metadata;

/// <summary>
/// Nodes and namespaces are stored as the bodies served for them: what is served, and which updates reach the
/// snapshot writer (a node status heartbeat changes the resourceVersion and nothing served).
/// </summary>
public sealed class ServedObjectTests
{
    private static readonly IReadOnlySet<string> HostAliases = new HashSet<string>(["cluster.k8s.io/machine"], StringComparer.Ordinal);

    private static PartialObjectMetadata Object(string name, string rv, Dictionary<string, string>? labels, Dictionary<string, string>? annotations = null, string uid = "uid-1") =>
        new() { Metadata = new ObjectMeta { Name = name, ResourceVersion = rv, Uid = uid, Labels = labels, Annotations = annotations } };

    [Fact]
    public void Node_ServesLabelsHostAliasAnnotationsAndUid_Sorted()
    {
        var node = ServedObjects.Node(Object("node-1", "42", new() { ["zone"] = "a", ["arch"] = "amd64" },
            new() { ["example.com/blob"] = new string('x', 1000), ["cluster.k8s.io/machine"] = "m-1" }), HostAliases);

        Assert.Equal("node-1", node.Key);
        Assert.Equal(42UL, node.Version);
        Assert.Equal("""{"arch":"amd64","zone":"a"}""", Encoding.UTF8.GetString(node.Served.LabelsBody));
        Assert.Equal("""{"cluster.k8s.io/machine":"m-1"}""", Encoding.UTF8.GetString(node.Served.AnnotationsBody));
        Assert.Equal("""{"uid":"uid-1"}""", Encoding.UTF8.GetString(node.Served.UidBody));
    }

    [Fact]
    public void Node_HeartbeatOrUnservedAnnotationChange_ServesTheSame()
    {
        var before = ServedObjects.Node(Object("node-1", "1", new() { ["zone"] = "a" }), HostAliases);
        var heartbeat = ServedObjects.Node(Object("node-1", "2", new() { ["zone"] = "a" }, new() { ["example.com/other"] = "x" }), HostAliases);

        Assert.True(ServedObjects.Same(before.Served, heartbeat.Served));
    }

    [Fact]
    public void Node_Heartbeat_KeepsThePreviousBodies_AndAnUnchangedVersionThePreviousObject()
    {
        var labels = Enumerable.Range(0, 30).ToDictionary(i => $"example.com/label-{i}", i => $"value-{i}");
        var before = ServedObjects.Node(Object("node-1", "1", labels), HostAliases);
        Assert.True(StoredBody.IsGzip(before.Served.LabelsBody));

        var heartbeat = ServedObjects.Node(Object("node-1", "2", new(labels)), HostAliases, before);
        var relisted = ServedObjects.Node(Object("node-1", "2", new(labels)), HostAliases, heartbeat);
        var relabelled = ServedObjects.Node(Object("node-1", "3", new(labels) { ["zone"] = "b" }), HostAliases, relisted);

        Assert.Equal(2UL, heartbeat.Version);
        Assert.Same(before.Served, heartbeat.Served);
        Assert.Same(heartbeat, relisted);
        Assert.NotSame(before.Served, relabelled.Served);
        Assert.Contains("\"zone\":\"b\"", Encoding.UTF8.GetString(StoredBody.Json(relabelled.Served.LabelsBody)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zone", "b", "uid-1", null)]
    [InlineData("region", "a", "uid-1", null)]
    [InlineData("zone", "a", "uid-2", null)]
    [InlineData("zone", "a", "uid-1", "m-2")]
    public void Node_LabelUidOrHostAliasChange_ServesSomethingElse(string key, string value, string uid, string? machine)
    {
        var before = ServedObjects.Node(Object("node-1", "1", new() { ["zone"] = "a" }), HostAliases);
        var after = ServedObjects.Node(Object("node-1", "2", new() { [key] = value }, machine is null ? null : new() { ["cluster.k8s.io/machine"] = machine }, uid), HostAliases);

        Assert.False(ServedObjects.Same(before.Served, after.Served));
    }

    [Fact]
    public void Namespace_ServesLabelsAndEntityMetadata_AndAnnotationChangesCount()
    {
        var before = ServedObjects.Namespace(Object("team-a", "7", new() { ["team"] = "a" }, new() { ["owner"] = "x" }, "ns-uid"));
        var after = ServedObjects.Namespace(Object("team-a", "8", new() { ["team"] = "a" }, new() { ["owner"] = "y" }, "ns-uid"));

        Assert.Equal("team-a", before.Key);
        Assert.Equal("""{"team":"a"}""", Encoding.UTF8.GetString(before.Served.LabelsBody));
        Assert.Equal("""{"Name":"team-a","Namespace":"","Annotations":{"owner":"x"},"Labels":{"team":"a"},"UID":"ns-uid"}""", Encoding.UTF8.GetString(before.Served.MetadataBody));
        Assert.False(ServedObjects.Same(before.Served, after.Served));
        Assert.True(ServedObjects.Same(before.Served, ServedObjects.Namespace(Object("team-a", "9", new() { ["team"] = "a" }, new() { ["owner"] = "x" }, "ns-uid")).Served));
    }
}
