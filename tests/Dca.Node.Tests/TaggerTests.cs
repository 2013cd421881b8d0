using Dca.Node.Tagging;
using Dca.Node.Tests.Fixtures;
using Dca.Protocol.ClusterAgent;

namespace Dca.Node.Tests;

public class TaggerTests
{
    private static readonly PodServices Services = new(new Dictionary<string, string[]>
    {
        ["shop/web-7d9f8b6c5-x2x4z"] = ["web", "web-internal"],
        ["shop/web-7d9f8b6c5-q8kjw"] = ["web"],
    });

    private static TaggedPod TagPod(int index, TaggerSettings? settings = null, string[]? hostTags = null) =>
        Tagger.Tag(KubeletFixtures.PodList().Items![index]!, settings ?? new TaggerSettings(), Services, _ => null, hostTags ?? [])!;

    [Theory]
    [InlineData("web-7d9f8b6c5", "web")]
    [InlineData("my-app-5c7b9d8f4", "my-app")]
    [InlineData("legacy-123456", "legacy")]
    [InlineData("web-abc", null)]
    [InlineData("web-7d", null)]
    [InlineData("standalone", null)]
    public void DeploymentOf_ReplicaSetName_StripsOnlyAPodTemplateHash(string replicaSet, string? deployment) =>
        Assert.Equal(deployment, Tagger.DeploymentOf(replicaSet));

    [Theory]
    [InlineData("backup-28123456", "backup")]
    [InlineData("backup-12", null)]
    [InlineData("backup-manual", null)]
    public void CronJobOf_JobName_NeedsAScheduledMinuteSuffix(string job, string? cronJob) =>
        Assert.Equal(cronJob, Tagger.CronJobOf(job));

    [Theory]
    [InlineData("gcr.io/foo/bar:1.2@sha256:abc", "gcr.io/foo/bar", "bar", "1.2")]
    [InlineData("redis@sha256:abc", "redis", "redis", "latest")]
    [InlineData("myregistry.local:5000/testing/test-image:version", "myregistry.local:5000/testing/test-image", "test-image", "version")]
    [InlineData("myregistry.local:5000/testing/test-image", "myregistry.local:5000/testing/test-image", "test-image", "latest")]
    [InlineData("nginx", "nginx", "nginx", "latest")]
    [InlineData("docker.io/library/nginx:1.25", "docker.io/library/nginx", "nginx", "1.25")]
    public void ImageName_SplitsLikeTheDatadogAgent(string image, string name, string shortName, string tag) =>
        Assert.Equal(new ImageName(name, shortName, tag), ImageName.Parse(image));

    [Fact]
    public void ImageName_DigestOnlyOrEmpty_IsNull()
    {
        Assert.Null(ImageName.Parse("sha256:abcdef"));
        Assert.Null(ImageName.Parse(""));
    }

    [Fact]
    public void Tag_ReadyPod_HasTheDatadogTagsAtTheirCardinalities()
    {
        var pod = TagPod(0);

        Assert.Equal(
            ["env:prod", "kube_deployment:web", "kube_namespace:shop", "kube_ownerref_kind:replicaset", "kube_priority_class:high",
             "kube_qos:Burstable", "kube_replica_set:web-7d9f8b6c5", "kube_service:web", "kube_service:web-internal", "pod_phase:running"],
            pod.Tags.Low);
        Assert.Equal(pod.Tags.Low.Concat(["kube_ownerref_name:web-7d9f8b6c5", "pod_name:web-7d9f8b6c5-x2x4z"]).Order(StringComparer.Ordinal), pod.Tags.Orchestrator);
        var app = pod.Containers["app"];
        Assert.Contains("kube_container_name:app", app.Low);
        Assert.Contains("image_name:gcr.io/shop/web", app.Low);
        Assert.Contains("short_image:web", app.Low);
        Assert.Contains("image_tag:1.4", app.Low);
        Assert.Contains("image_id:gcr.io/shop/web@sha256:abcdef", app.Low);
        Assert.DoesNotContain(app.Low, t => t.StartsWith("pod_name:", StringComparison.Ordinal) || t.StartsWith("container_id:", StringComparison.Ordinal));
        Assert.Contains("pod_name:web-7d9f8b6c5-x2x4z", app.Orchestrator);
        Assert.DoesNotContain(app.Orchestrator, t => t.StartsWith("container_id:", StringComparison.Ordinal));
        Assert.Contains("container_id:c-app", app.High);
        Assert.Contains("container_name:app", app.High);
        Assert.Contains("display_container_name:app_web-7d9f8b6c5-x2x4z", app.High);
        Assert.Contains("kube_container_name:migrate", pod.Containers["migrate"].Low);
    }

    [Fact]
    public void Tag_PodNotReady_GetsNoServiceTagsUnlessReadinessIsIgnored()
    {
        Assert.DoesNotContain(TagPod(1).Tags.Low, t => t.StartsWith("kube_service:", StringComparison.Ordinal));
        Assert.Contains("kube_service:web", TagPod(1, new TaggerSettings { IgnoreReadiness = true }).Tags.Low);
    }

    [Fact]
    public void Tag_CronJobPod_HasTheCronJobLowAndTheJobAtOrchestratorCardinality()
    {
        var pod = TagPod(2);

        Assert.Contains("kube_cronjob:backup", pod.Tags.Low);
        Assert.DoesNotContain("kube_job:backup-28123456", pod.Tags.Low);
        Assert.Contains("kube_job:backup-28123456", pod.Tags.Orchestrator);
    }

    [Fact]
    public void Tag_HostTags_AreOnEveryLevelOfPodAndContainers()
    {
        var pod = TagPod(0, hostTags: ["kube_cluster_name:prod-eu"]);

        Assert.Contains("kube_cluster_name:prod-eu", pod.Tags.Low);
        Assert.Contains("kube_cluster_name:prod-eu", pod.Containers["sidecar"].Low);
        Assert.Contains("kube_cluster_name:prod-eu", pod.Containers["sidecar"].High);
    }

    [Fact]
    public void Tag_PodLabelsAsTags_MapsLabelsWithGlobsTemplatesAndHighCardinality()
    {
        var settings = new TaggerSettings { PodLabels = LabelsAsTags.Parse("""{"app":"kube_app, app_name","TEAM":"+team","tags.datadoghq.*":"dd_%%label%%"}""") };

        var pod = TagPod(0, settings);

        Assert.Contains("kube_app:web", pod.Tags.Low);
        Assert.Contains("app_name:web", pod.Tags.Low);
        Assert.Contains("dd_tags.datadoghq.com/env:prod", pod.Tags.Low);
        Assert.DoesNotContain("team:Payments", pod.Tags.Orchestrator);
        Assert.Contains("team:Payments", pod.Tags.High);
    }

    [Fact]
    public void Tag_NamespaceLabelsAsTags_UsesTheClusterAgentsLabels()
    {
        var settings = new TaggerSettings { NamespaceLabels = LabelsAsTags.Parse("""{"team":"kube_team"}""") };
        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string> { ["team"] = "checkout" };

        var pod = Tagger.Tag(KubeletFixtures.PodList().Items![0]!, settings, Services, ns => ns == "shop" ? labels : null, [])!;

        Assert.Contains("kube_team:checkout", pod.Tags.Low);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"app\":3}")]
    [InlineData("{not json")]
    public void LabelsAsTags_BadJson_IsRejectedWithTheReason(string json) =>
        Assert.Throws<FormatException>(() => LabelsAsTags.Parse(json));

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("app.kubernetes.io/*", "app.kubernetes.io/name", true)]
    [InlineData("app.kubernetes.io/*", "app.kubernetes.iox", false)]
    [InlineData("fo?", "foo", true)]
    [InlineData("fo?", "fooo", false)]
    public void Glob_MatchesLikeTheAgentsLabelGlobs(string pattern, string text, bool match) =>
        Assert.Equal(match, LabelsAsTags.Glob(pattern, text));
}
