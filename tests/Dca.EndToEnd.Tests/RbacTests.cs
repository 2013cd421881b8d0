using System.Globalization;
using System.Text.Json;
using Dca.Testing;
using YamlDotNet.RepresentationModel;
using static Dca.EndToEnd.Tests.Manifests;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// Least privilege, proven: the native agents run against <c>dca-sim</c> with the environment of the built
/// manifests and the ServiceAccounts' identities; the simulator's audit record of every (verb, group,
/// resource, namespace, name) they used must be allowed by the manifests' RBAC, and every grant must have
/// been used.
/// </summary>
public sealed class RbacTests
{
    private const string Namespace = "dca";
    private const string DcaUser = "system:serviceaccount:dca:dca";
    private const string NodeUser = "system:serviceaccount:dca:dca-node";

    [Fact]
    public async Task Agents_UseExactlyTheGrantsOfTheManifests()
    {
        var objects = Build("minimal");
        var grants = Grants(objects);
        Assert.Equal([DcaUser, NodeUser], grants.Keys.Order(StringComparer.Ordinal));

        var dcaToken = "sa-token-dca-" + Guid.NewGuid().ToString("N");
        var nodeToken = "sa-token-node-" + Guid.NewGuid().ToString("N");
        await using var cluster = await SimulatedCluster.StartAsync("small", "--token", $"{DcaUser}={dcaToken},{NodeUser}={nodeToken}", "--events", "5");
        // The operator applies the Namespace first (kubectl, as admin); the agents then run as their ServiceAccounts.
        var (code, _, stderr) = Run("kubectl", ["--kubeconfig", cluster.Kubeconfig, "create", "namespace", Namespace]);
        Assert.True(code == 0, stderr);
        var kubeconfig = Path.Combine(cluster.Directory, "kubeconfig-dca");
        File.WriteAllLines(kubeconfig, File.ReadAllLines(cluster.Kubeconfig).Select(l => l.TrimStart().StartsWith("token: ", StringComparison.Ordinal) ? "    token: " + dcaToken : l));
        var kubeletToken = Path.Combine(cluster.Directory, "dca-node-token");
        File.WriteAllText(kubeletToken, nodeToken);

        var dcaContainer = Containers(Single(objects, "Deployment", "dca")).Single();
        var replicas = new List<DcaReplica>();
        NodeAgentProcess? node = null;
        try
        {
            foreach (var name in new[] { "dca-rbac-a", "dca-rbac-b" })
            {
                var env = ManifestEnv(dcaContainer, new Dictionary<string, string>
                {
                    ["metadata.name"] = name, ["metadata.namespace"] = Namespace, ["status.podIP"] = "127.0.0.1",
                });
                env["DD_CHECK_INTERVAL"] = "1";
                replicas.Add(DcaReplica.Start(cluster, name, leaseSeconds: 4, env, kubeconfig: kubeconfig));
            }
            var leader = await DcaReplica.OneLeaderAsync(replicas);
            var (nodeName, address) = (await ServiceTruth.NodesAsync(cluster))[0];
            var nodeEnv = ManifestEnv(Containers(Single(objects, "DaemonSet", "dca-node")).Single(), new Dictionary<string, string>
            {
                ["spec.nodeName"] = nodeName, ["status.hostIP"] = address,
            });
            nodeEnv["DD_KUBELET_CLIENT_CA"] = cluster.CaFile;
            nodeEnv["DD_KUBELET_AUTH_TOKEN_PATH"] = kubeletToken;
            node = NodeAgentProcess.Start(cluster, nodeName, address, leader.CommandPort, intake: null, nodeEnv);

            // Everything the manifests grant gets used while the agents work (election, cluster id, metadata,
            // events with their resume token, control plane, kubelet reads).
            List<AuditEntry> audit = [];
            await Wait.UntilAsync(async () =>
            {
                audit = await AuditAsync(cluster);
                return Unused(grants, audit).Count == 0;
            }, "every grant to be used", TimeSpan.FromSeconds(90)).ContinueWith(_ => { }, TaskScheduler.Default); // the assertions below name what is missing
            foreach (var replica in replicas)
            {
                await replica.Process.TerminateAsync(TimeSpan.FromSeconds(15));
            }
            await node.Process.TerminateAsync(TimeSpan.FromSeconds(15));

            audit = await AuditAsync(cluster);
            var denied = audit.Where(e => grants.ContainsKey(e.Identity) && !grants[e.Identity].Any(g => g.Allows(e))).ToList();
            Assert.True(denied.Count == 0, "requests the RBAC does not allow:\n" + string.Join('\n', denied));
            var unused = Unused(grants, audit);
            Assert.True(unused.Count == 0, "grants no request used:\n" + string.Join('\n', unused));
            Assert.Contains(audit, e => e.Identity == NodeUser && e.Resource == "nodes/stats" && e.Name == nodeName);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>A container's environment from its manifest: literals, downward-API fields as given, the token Secret.</summary>
    private static Dictionary<string, string> ManifestEnv(YamlNode container, Dictionary<string, string> fields)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in DeployManifestTests.Envs(container))
        {
            if (e.Value is not null)
            {
                env[e.Name] = e.Value;
            }
            else if (e.FieldRef is not null)
            {
                env[e.Name] = fields[e.FieldRef];
            }
            else if (e.SecretRef is { Name: { } secret } && secret.StartsWith("dca-token", StringComparison.Ordinal))
            {
                env[e.Name] = Token;
            }
            else
            {
                Assert.True(e.Optional, $"{e.Name} comes from a source the test does not provide");
            }
        }
        return env;
    }

    public sealed record AuditEntry(string Identity, string Verb, string Group, string Resource, string Namespace, string Name)
    {
        public override string ToString() => $"{Identity}: {Verb} {Group}/{Resource} ns={Namespace} name={Name}";
    }

    private static async Task<List<AuditEntry>> AuditAsync(SimulatedCluster cluster)
    {
        using var http = cluster.ApiClient();
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/sim/audit", UriKind.Relative)));
        return [.. doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => new AuditEntry(
            e.GetProperty("identity").GetString()!, e.GetProperty("verb").GetString()!, e.GetProperty("group").GetString()!,
            e.GetProperty("resource").GetString()!, e.GetProperty("namespace").GetString()!, e.GetProperty("name").GetString()!))];
    }

    /// <summary>One RBAC rule as bound to a subject: cluster-wide (ClusterRoleBinding) or in one namespace (RoleBinding).</summary>
    public sealed record Grant(string? BoundNamespace, IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> Names)
    {
        public bool Allows(AuditEntry e) =>
            (BoundNamespace is null || BoundNamespace == e.Namespace)
            && (Groups.Contains("*") || Groups.Contains(e.Group))
            && (Resources.Contains("*") || Resources.Contains(e.Resource))
            && (Verbs.Contains("*") || Verbs.Contains(e.Verb))
            && (Names.Count == 0 || Names.Contains(e.Name));

        /// <summary>Every (group, resource, verb, name) this rule grants, one by one.</summary>
        public IEnumerable<(string Group, string Resource, string Verb, string? Name)> Expand() =>
            from g in Groups from r in Resources from v in Verbs from n in Names.Count == 0 ? [null] : Names.Select(x => (string?)x) select (g, r, v, n);

        public override string ToString() => $"{(BoundNamespace is null ? "cluster" : "ns " + BoundNamespace)}: [{string.Join(',', Groups)}] [{string.Join(',', Resources)}] [{string.Join(',', Verbs)}] names [{string.Join(',', Names)}]";
    }

    /// <summary>The rules granted to each ServiceAccount by the manifests' bindings.</summary>
    public static Dictionary<string, List<Grant>> Grants(IReadOnlyList<YamlMappingNode> objects)
    {
        var grants = new Dictionary<string, List<Grant>>(StringComparer.Ordinal);
        foreach (var binding in OfKind(objects, "ClusterRoleBinding").Concat(OfKind(objects, "RoleBinding")))
        {
            var bindingNamespace = Str(binding, "kind") == "RoleBinding" ? Str(binding, "metadata", "namespace") : null;
            var role = OfKind(objects, Str(binding, "roleRef", "kind")!).Single(r => Str(r, "metadata", "name") == Str(binding, "roleRef", "name")
                && (Str(r, "kind") == "ClusterRole" || Str(r, "metadata", "namespace") == bindingNamespace));
            foreach (var subject in Seq(binding, "subjects"))
            {
                var user = $"system:serviceaccount:{Str(subject, "namespace")}:{Str(subject, "name")}";
                var list = grants.TryGetValue(user, out var l) ? l : grants[user] = [];
                list.AddRange(Seq(role, "rules").Select(rule => new Grant(bindingNamespace,
                    Strings(rule, "apiGroups"), Strings(rule, "resources"), Strings(rule, "verbs"), Strings(rule, "resourceNames"))));
            }
        }
        return grants;
    }

    /// <summary>Each granted (group, resource, verb, name) no audited request of the grantee used.</summary>
    private static List<string> Unused(Dictionary<string, List<Grant>> grants, List<AuditEntry> audit) =>
        [.. from kv in grants
            from grant in kv.Value
            from g in grant.Expand()
            where !audit.Any(e => e.Identity == kv.Key && (grant.BoundNamespace is null || grant.BoundNamespace == e.Namespace)
                && e.Group == g.Group && e.Resource == g.Resource && e.Verb == g.Verb && (g.Name is null || e.Name == g.Name))
            select string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: {g.Verb} {g.Group}/{g.Resource} name={g.Name ?? "*"} ({grant})")];
}
