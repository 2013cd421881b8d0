using System.Text;
using Dca.Sim.Store;

namespace Dca.Sim.Tests.Store;

public sealed class SelectorTests
{
    private static StoredObject Pod(string labels, string node = "node-1")
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"labels\":{" + labels
            + "}},\"spec\":{\"nodeName\":\"" + node + "\"},\"status\":{\"phase\":\"Running\"}}";
        return ObjectIndexer.Index(ResourceTypes.Pods, Encoding.UTF8.GetBytes(json));
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app!=db", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (db, web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("missing notin (a)", true)]
    [InlineData("app", true)]
    [InlineData("!app", false)]
    [InlineData("!missing", true)]
    [InlineData("app=web,tier=front", true)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("replicas>2", true)]
    [InlineData("replicas<2", false)]
    [InlineData("", true)]
    public void LabelSelector_Operators_MatchAsApimachinery(string selector, bool expected)
    {
        var pod = Pod("\"app\":\"web\",\"tier\":\"front\",\"replicas\":\"3\"");
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(pod));
    }

    [Fact]
    public void LabelSelector_Malformed_ThrowsBadRequest() =>
        Assert.Equal(400, Assert.Throws<StatusException>(() => LabelSelector.Parse("app in web")).Code);

    [Theory]
    [InlineData("spec.nodeName=node-1", true)]
    [InlineData("spec.nodeName==node-1", true)]
    [InlineData("spec.nodeName!=node-1", false)]
    [InlineData("metadata.name=p,metadata.namespace=ns", true)]
    [InlineData("status.phase=Pending", false)]
    [InlineData("spec.nodeName=", false)]
    public void FieldSelector_PodFields_Match(string selector, bool expected) =>
        Assert.Equal(expected, FieldSelector.Parse(selector, ResourceTypes.Pods).Matches(Pod("\"a\":\"b\"")));

    [Fact]
    public void FieldSelector_UnsupportedField_ThrowsBadRequest()
    {
        var ex = Assert.Throws<StatusException>(() => FieldSelector.Parse("spec.foo=bar", ResourceTypes.Pods));
        Assert.Equal((400, "field label not supported: spec.foo"), (ex.Code, ex.Message));
    }

    [Fact]
    public void FieldSelector_EventFields_ReadInvolvedObjectAndSource()
    {
        var json = """{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"Pod","name":"p","namespace":"ns","uid":"u1"},"reason":"BackOff","type":"Warning","source":{"component":"kubelet"}}""";
        var ev = ObjectIndexer.Index(ResourceTypes.Events, Encoding.UTF8.GetBytes(json));
        Assert.True(FieldSelector.Parse("involvedObject.kind=Pod,involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=u1", ResourceTypes.Events).Matches(ev));
        Assert.True(FieldSelector.Parse("reason=BackOff,type=Warning,source=kubelet", ResourceTypes.Events).Matches(ev));
        Assert.False(FieldSelector.Parse("type=Normal", ResourceTypes.Events).Matches(ev));
    }
}
