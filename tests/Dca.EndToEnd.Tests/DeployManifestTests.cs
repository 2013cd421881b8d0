using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;
using static Dca.EndToEnd.Tests.Manifests;

namespace Dca.EndToEnd.Tests;

/// <summary>The kustomize overlays, built with the real kubectl, checked against what the binaries read.</summary>
public sealed class DeployManifestTests
{
    public static TheoryData<string> Overlays => new() { "minimal", "ha", "external-metrics" };

    /// <summary>What every Kubernetes cluster has without our manifests: the roles aggregated API servers are bound to, and the HPA controller's account.</summary>
    private static readonly HashSet<string> s_builtInRoles = ["system:auth-delegator", "extension-apiserver-authentication-reader"];

    private static readonly HashSet<(string?, string?)> s_builtInAccounts = [("kube-system", "horizontal-pod-autoscaler")];

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryContainer_HasProbesResourcesAndTheRestrictedSecurityContext(string overlay)
    {
        var objects = Build(overlay);
        var workloads = OfKind(objects, "Deployment").Concat(OfKind(objects, "DaemonSet")).ToList();
        Assert.Equal(2, workloads.Count);
        foreach (var workload in workloads)
        {
            var pod = At(workload, "spec", "template", "spec")!;
            Assert.Equal("true", Str(pod, "securityContext", "runAsNonRoot"));
            Assert.True(int.Parse(Str(pod, "securityContext", "runAsUser")!, CultureInfo.InvariantCulture) > 0);
            Assert.Equal("RuntimeDefault", Str(pod, "securityContext", "seccompProfile", "type"));
            foreach (var c in Containers(workload))
            {
                var where = $"{overlay}: {Str(workload, "kind")} {Str(c, "name")}";
                var ports = Seq(c, "ports").ToDictionary(p => Str(p, "name")!, p => Str(p, "containerPort")!);
                foreach (var (probe, path) in new[] { ("startupProbe", "/startup"), ("readinessProbe", "/ready"), ("livenessProbe", "/live") })
                {
                    Assert.True(Str(c, probe, "httpGet", "path") == path, $"{where}: {probe} on {path}");
                    Assert.True(ports.ContainsKey(Str(c, probe, "httpGet", "port") ?? ""), $"{where}: {probe} names a declared port");
                }
                foreach (var kind in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        Assert.True(Str(c, "resources", kind, resource) is { Length: > 0 }, $"{where}: resources.{kind}.{resource}");
                    }
                }
                Assert.Equal("false", Str(c, "securityContext", "allowPrivilegeEscalation"));
                Assert.Equal("true", Str(c, "securityContext", "readOnlyRootFilesystem"));
                Assert.Equal("true", Str(c, "securityContext", "runAsNonRoot"));
                Assert.Equal(["ALL"], Strings(c, "securityContext", "capabilities", "drop"));
                Assert.Empty(Strings(c, "securityContext", "capabilities", "add"));
                Assert.Equal("RuntimeDefault", Str(c, "securityContext", "seccompProfile", "type"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EnvironmentAndPorts_AreTheOnesTheBinariesRead(string overlay)
    {
        var objects = Build(overlay);
        var dca = Containers(Single(objects, "Deployment", "dca")).Single();
        var node = Containers(Single(objects, "DaemonSet", "dca-node")).Single();
        var dcaOptions = await HelpOptions.ReadAsync("dca");
        var nodeOptions = await HelpOptions.ReadAsync("dca-node");
        foreach (var (container, options) in new[] { (dca, dcaOptions), (node, nodeOptions) })
        {
            foreach (var name in Seq(container, "env").Select(e => Str(e, "name")!))
            {
                Assert.True(options.ContainsKey(name), $"{Str(container, "name")} sets {name}, which the binary does not read");
            }
        }
        // Ports: the container ports are the binaries' defaults (the manifests do not override them).
        int Port(YamlNode c, string name) => int.Parse(Str(Seq(c, "ports").Single(p => Str(p, "name") == name), "containerPort")!, CultureInfo.InvariantCulture);
        Assert.Equal(dcaOptions["DD_CLUSTER_AGENT_CMD_PORT"], Port(dca, "agentport").ToString(CultureInfo.InvariantCulture));
        Assert.Equal(dcaOptions["DD_HEALTH_PORT"], Port(dca, "health").ToString(CultureInfo.InvariantCulture));
        Assert.Equal(dcaOptions["DD_METRICS_PORT"], Port(dca, "metrics").ToString(CultureInfo.InvariantCulture));
        Assert.Equal(nodeOptions["DD_HEALTH_PORT"], Port(node, "health").ToString(CultureInfo.InvariantCulture));
        Assert.Equal(nodeOptions["DD_OPENMETRICS_PORT"], Port(node, "openmetrics").ToString(CultureInfo.InvariantCulture));
        // The node agents find the cluster agent through the Service the manifests create.
        var service = Single(objects, "Service", Env(node, "DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME")!.Value!);
        Assert.Equal(Env(dca, "DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME")!.Value, Str(service, "metadata", "name"));
        var servicePort = Seq(service, "spec", "ports").Single();
        Assert.Equal("agentport", Str(servicePort, "targetPort"));
        Assert.Equal(Port(dca, "agentport").ToString(CultureInfo.InvariantCulture), Str(servicePort, "port"));
        Assert.Equal(Str(Single(objects, "Deployment", "dca"), "spec", "template", "metadata", "labels", "app.kubernetes.io/name"),
            Str(service, "spec", "selector", "app.kubernetes.io/name"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TokenSecret_IsGeneratedAndSharedByBothAgents(string overlay)
    {
        var objects = Build(overlay);
        var secret = OfKind(objects, "Secret").Single(s => Str(s, "metadata", "name")!.StartsWith("dca-token-", StringComparison.Ordinal));
        var token = Encoding.UTF8.GetString(Convert.FromBase64String(Str(secret, "data", "token")!));
        Assert.True(token.Length >= 32);
        Assert.Equal(Token, token);
        foreach (var container in new[] { Containers(Single(objects, "Deployment", "dca")).Single(), Containers(Single(objects, "DaemonSet", "dca-node")).Single() })
        {
            var reference = Env(container, "DD_CLUSTER_AGENT_AUTH_TOKEN")!.SecretRef;
            Assert.Equal((Str(secret, "metadata", "name"), "token"), reference);
        }
        Assert.Contains("deploy/base/cluster-agent-token", File.ReadAllText(Path.Combine(Root, ".gitignore")).Split('\n'));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NodeAgent_RunsOnEveryNodeWithItsNodeAndKubelet(string overlay)
    {
        var objects = Build(overlay);
        var ds = Single(objects, "DaemonSet", "dca-node");
        var pod = At(ds, "spec", "template", "spec")!;
        var tolerations = Seq(pod, "tolerations").Select(t => (Str(t, "key"), Str(t, "operator"), Str(t, "effect"))).ToList();
        Assert.Contains(("node-role.kubernetes.io/control-plane", "Exists", "NoSchedule"), tolerations);
        var c = Containers(ds).Single();
        Assert.Equal("spec.nodeName", Env(c, "DD_KUBERNETES_KUBELET_NODENAME")!.FieldRef);
        Assert.Equal("status.hostIP", Env(c, "DD_KUBERNETES_KUBELET_HOST")!.FieldRef);
        // The kubelet CA comes from the host, mounted where DD_KUBELET_CLIENT_CA points.
        var caPath = Env(c, "DD_KUBELET_CLIENT_CA")!.Value;
        var mount = Seq(c, "volumeMounts").Single(m => Str(m, "mountPath") == caPath);
        Assert.Equal("true", Str(mount, "readOnly"));
        var volume = Seq(pod, "volumes").Single(v => Str(v, "name") == Str(mount, "name"));
        Assert.Equal("File", Str(volume, "hostPath", "type"));
        Assert.Equal("dca-node", Str(pod, "serviceAccountName"));
    }

    [Fact]
    public void HaOverlay_ThreeReplicasSpreadWithADisruptionBudget_MinimalOne()
    {
        var minimal = Build("minimal");
        Assert.Equal("1", Str(Single(minimal, "Deployment", "dca"), "spec", "replicas"));
        Assert.Empty(OfKind(minimal, "PodDisruptionBudget"));
        var ha = Build("ha");
        var deployment = Single(ha, "Deployment", "dca");
        Assert.Equal("3", Str(deployment, "spec", "replicas"));
        var anti = Seq(deployment, "spec", "template", "spec", "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution").Single();
        Assert.Equal("kubernetes.io/hostname", Str(anti, "topologyKey"));
        Assert.Equal("dca", Str(anti, "labelSelector", "matchLabels", "app.kubernetes.io/name"));
        var pdb = OfKind(ha, "PodDisruptionBudget").Single();
        Assert.Equal("1", Str(pdb, "spec", "maxUnavailable"));
        Assert.Equal(Str(deployment, "spec", "selector", "matchLabels", "app.kubernetes.io/name"), Str(pdb, "spec", "selector", "matchLabels", "app.kubernetes.io/name"));
        // Leader election is on in every overlay: only one replica does the leader-only work.
        Assert.Equal("true", Env(Containers(deployment).Single(), "DD_LEADER_ELECTION")!.Value);
        // The RBAC is the same in both overlays (RbacTests proves it on the minimal one).
        Assert.Equal(Rbac(minimal), Rbac(ha));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Bindings_NameServiceAccountsAndRolesThatExist(string overlay)
    {
        var objects = Build(overlay);
        var accounts = OfKind(objects, "ServiceAccount").Select(a => (Str(a, "metadata", "namespace"), Str(a, "metadata", "name"))).ToHashSet();
        foreach (var binding in OfKind(objects, "ClusterRoleBinding").Concat(OfKind(objects, "RoleBinding")))
        {
            var roleKind = Str(binding, "roleRef", "kind")!;
            if (!s_builtInRoles.Contains(Str(binding, "roleRef", "name")!))
            {
                Assert.Contains(OfKind(objects, roleKind), r => Str(r, "metadata", "name") == Str(binding, "roleRef", "name"));
            }
            foreach (var subject in Seq(binding, "subjects"))
            {
                Assert.Equal("ServiceAccount", Str(subject, "kind"));
                var account = (Str(subject, "namespace"), Str(subject, "name"));
                Assert.True(accounts.Contains(account) || s_builtInAccounts.Contains(account), $"{overlay}: binding {Str(binding, "metadata", "name")} names {account}, which is neither ours nor built in");
            }
        }
        foreach (var workload in OfKind(objects, "Deployment").Concat(OfKind(objects, "DaemonSet")))
        {
            Assert.Contains((Str(workload, "metadata", "namespace"), Str(workload, "spec", "template", "spec", "serviceAccountName")), accounts);
        }
    }

    [Fact]
    public async Task ExternalMetricsOverlay_RegistersTheApiServiceOnThePortDcaServes()
    {
        var objects = Build("external-metrics");
        var dcaOptions = await HelpOptions.ReadAsync("dca");
        var dca = Containers(Single(objects, "Deployment", "dca")).Single();
        Assert.Equal("true", Env(dca, "DD_EXTERNAL_METRICS_PROVIDER_ENABLED")!.Value);
        Assert.Equal("true", Env(Containers(Single(objects, "DaemonSet", "dca-node")).Single(), "DD_AUTOSCALING_FAILOVER_ENABLED")!.Value);
        var apiService = Single(objects, "APIService", "v1beta1.external.metrics.k8s.io");
        Assert.Equal(("external.metrics.k8s.io", "v1beta1"), (Str(apiService, "spec", "group"), Str(apiService, "spec", "version")));
        var service = Single(objects, "Service", Str(apiService, "spec", "service", "name")!);
        Assert.Equal(Str(service, "metadata", "namespace"), Str(apiService, "spec", "service", "namespace"));
        var port = Seq(service, "spec", "ports").Single();
        Assert.Equal(Str(apiService, "spec", "service", "port"), Str(port, "port"));
        var containerPort = Seq(dca, "ports").Single(p => Str(p, "name") == Str(port, "targetPort"));
        Assert.Equal(dcaOptions["DD_EXTERNAL_METRICS_PROVIDER_PORT"], Str(containerPort, "containerPort"));
        Assert.Equal("dca", Str(service, "spec", "selector", "app.kubernetes.io/name"));
        // As an aggregated API server: the front-proxy CA reader in kube-system, and the HPA allowed to read.
        Assert.Contains(OfKind(objects, "RoleBinding"), b => Str(b, "metadata", "namespace") == "kube-system"
            && Str(b, "roleRef", "name") == "extension-apiserver-authentication-reader");
        Assert.Contains(OfKind(objects, "ClusterRoleBinding"), b => Str(b, "roleRef", "name") == "system:auth-delegator");
        // DatadogMetric resources: dca's account may watch them and patch their status (the leader writes it).
        var deployment = Single(objects, "Deployment", "dca");
        var account = (Str(deployment, "metadata", "namespace"), Str(deployment, "spec", "template", "spec", "serviceAccountName"));
        var rules = OfKind(objects, "ClusterRoleBinding")
            .Where(b => Seq(b, "subjects").Any(s => (Str(s, "namespace"), Str(s, "name")) == account))
            // Built-in roles (system:auth-delegator) are not in the manifests; only ours carry these rules.
            .SelectMany(b => OfKind(objects, "ClusterRole").Where(r => Str(r, "metadata", "name") == Str(b, "roleRef", "name")))
            .SelectMany(r => Seq(r, "rules")).ToList();
        bool Allows(string resource, string verb) => rules.Any(r =>
            Seq(r, "apiGroups").Any(g => ((YamlScalarNode)g).Value == "datadoghq.com")
            && Seq(r, "resources").Any(x => ((YamlScalarNode)x).Value == resource)
            && Seq(r, "verbs").Any(v => ((YamlScalarNode)v).Value == verb));
        Assert.True(Allows("datadogmetrics", "list") && Allows("datadogmetrics", "watch") && Allows("datadogmetrics/status", "patch"),
            "dca's service account cannot list/watch datadogmetrics and patch their status");
    }

    private static string Rbac(IEnumerable<YamlMappingNode> objects) => string.Join("\n---\n",
        objects.Where(o => Str(o, "kind") is "ClusterRole" or "Role" or "ClusterRoleBinding" or "RoleBinding").Select(o =>
        {
            var writer = new StringWriter();
            new YamlStream(new YamlDocument(o)).Save(writer, assignAnchors: false);
            return writer.ToString();
        }));

    /// <summary>One env entry of a container: a literal value, a downward-API field, or a Secret key.</summary>
    public sealed record EnvEntry(string Name, string? Value, string? FieldRef, (string? Name, string? Key)? SecretRef, bool Optional);

    public static EnvEntry? Env(YamlNode container, string name) => Envs(container).SingleOrDefault(e => e.Name == name);

    public static IReadOnlyList<EnvEntry> Envs(YamlNode container) => [.. Seq(container, "env").Select(e => new EnvEntry(
        Str(e, "name")!,
        Str(e, "value"),
        Str(e, "valueFrom", "fieldRef", "fieldPath"),
        At(e, "valueFrom", "secretKeyRef") is { } s ? (Str(s, "name"), Str(s, "key")) : null,
        Str(e, "valueFrom", "secretKeyRef", "optional") == "true"))];
}
