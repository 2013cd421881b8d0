using Dca.Events;
using Dca.Kubernetes.Models;

namespace Dca.Tests.Events;

public class EventBundlerTests
{
    private static Event Make(string name, string reason, string message, int count, string type = "Normal", string kind = "Pod") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "shop" },
        InvolvedObject = new ObjectReference { Kind = kind, Name = "web-1", Namespace = "shop", Uid = "uid-1" },
        Reason = reason,
        Message = message,
        Count = count,
        Type = type,
        Source = new EventSource { Component = "kubelet", Host = "node-7" },
        FirstTimestamp = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
        LastTimestamp = new DateTimeOffset(2026, 11, 22, 10, 5, 0, TimeSpan.Zero),
    };

    [Fact]
    public void Bundle_GroupsByInvolvedObjectAndType_InDatadogsFormat()
    {
        var bundles = EventBundler.Bundle(
            [Make("a", "Pulled", "pulled ~image~", 2), Make("b", "Started", "started", 1), Make("c", "BackOff", "back-off", 3, "Warning"), new Event { Reason = "NoObject", Message = "skipped" }],
            "prod");

        Assert.Equal(2, bundles.Count);
        var normal = bundles.Single(b => b.AlertType == "info");
        Assert.Equal("Events from the Pod shop/web-1", normal.Title);
        Assert.Equal("%%% \n1 **Started**: started\n2 **Pulled**: pulled \\~image\\~\n\n _Events emitted by the kubelet seen at 2026-11-22 10:05:00Z since 2026-11-22 10:00:00Z_ \n\n %%%", normal.Text);
        Assert.Equal("node-7-prod", normal.Host);
        Assert.Equal("kubernetes_apiserver:uid-1", normal.AggregationKey);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 5, 0, TimeSpan.Zero).ToUnixTimeSeconds(), normal.DateHappened);
        Assert.Equal(["kube_kind:Pod", "kube_name:web-1", "kubernetes_kind:Pod", "name:web-1", "kube_namespace:shop", "namespace:shop", "pod_name:web-1", "source_component:kubelet", "kube_cluster_name:prod"], normal.Tags);
        Assert.Equal("warning", bundles.Single(b => b.Title == normal.Title && b != normal).AlertType);
    }

    [Fact]
    public void Unbundled_OneDatadogEventPerKubernetesEvent()
    {
        var events = EventBundler.Unbundled([Make("a", "Pulled", "pulled", 2), Make("b", "Scheduled", "assigned", 1, kind: "Node")], null);

        Assert.Equal(2, events.Count);
        Assert.Equal("Pod shop/web-1: Pulled", events[0].Title);
        Assert.Equal("pulled", events[0].Text);
        Assert.Equal("kubelet", events[0].SourceTypeName);
        Assert.Contains("orchestrator:kubernetes", events[0].Tags);
        Assert.Contains("event_reason:Pulled", events[0].Tags);
        Assert.Contains("reporting_controller:kubelet", events[0].Tags);
        Assert.Equal("web-1", events[1].Host);
    }

    [Fact]
    public void FilteredEventTypes_BecomeFieldSelectors()
    {
        Assert.Null(new EventCollectorOptions().FieldSelector);
        Assert.Equal("reason!=Pulled,type!=Normal", new EventCollectorOptions { FilteredEventTypes = ["Pulled", "type!=Normal"] }.FieldSelector);
    }
}
