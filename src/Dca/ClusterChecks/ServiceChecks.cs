namespace Dca.ClusterChecks;

/// <summary>Turns a Service's annotation templates into resolved configurations (cluster checks on the ClusterIP, endpoints checks per pod-backed endpoint).</summary>
public static class ServiceChecks
{
    /// <summary>The Service's <c>service</c> checks, resolved against its ClusterIP and ports.</summary>
    public static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) ForService(
        string ns, string name, CheckTarget target, IReadOnlyDictionary<string, string> annotations)
    {
        var id = $"kube_service://{ns}/{name}";
        // No AD identifiers: Datadog's dispatcher empties them, or node agents would take the config for a template.
        return Resolve("service", $"service {ns}/{name}", annotations, target, "kube_services", "kube_services:" + id, id, "", []);
    }

    /// <summary>The Service's <c>endpoints</c> checks for one endpoint (its IP and ports), to run on <paramref name="nodeName"/>.</summary>
    /// <remarks>
    /// The AD identifiers are the endpoint's and, for a pod-backed endpoint, <c>kubernetes_pod://&lt;pod uid&gt;</c>:
    /// the node agent matches that to the pod it sees, and runs the check with the pod's tags (Datadog's provider).
    /// </remarks>
    public static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) ForEndpoint(
        string ns, string name, string ip, string nodeName, CheckTarget target, IReadOnlyDictionary<string, string> annotations, string? podUid = null)
    {
        var id = $"kube_endpoint_uid://{ns}/{name}/{ip}";
        IReadOnlyList<string> adIdentifiers = podUid is { Length: > 0 } uid ? [id, "kubernetes_pod://" + uid] : [id];
        return Resolve("endpoints", $"service {ns}/{name} endpoint {ip}", annotations, target with { Host = ip }, "kube_endpoints", "kube_endpoints:" + id, id, nodeName, adIdentifiers);
    }

    private static (IReadOnlyList<CheckConfig>, IReadOnlyList<ConfigProblem>) Resolve(string kind, string origin, IReadOnlyDictionary<string, string> annotations,
        CheckTarget target, string provider, string source, string serviceId, string nodeName, IReadOnlyList<string> adIdentifiers)
    {
        var (templates, parseProblems) = DatadogAnnotations.Parse(kind, annotations);
        var problems = parseProblems.Select(p => new ConfigProblem(origin, p)).ToList();
        var configs = new List<CheckConfig>();
        foreach (var template in templates)
        {
            try
            {
                var instances = template.Instances.Select(i => TemplateResolver.Resolve(i, target).ToJsonString()).ToList();
                configs.Add(new CheckConfig(template.CheckName, template.InitConfig?.ToJsonString() ?? "{}", instances, provider, source, serviceId, adIdentifiers, nodeName));
            }
            catch (Exception e) when (DatadogAnnotations.IsInputError(e))
            {
                // A variable that cannot be resolved, or a string that cannot be read as text (an unpaired surrogate escape).
                problems.Add(new ConfigProblem(origin, $"check {template.CheckName}: {DatadogAnnotations.Reason(e)}"));
            }
        }
        return (configs, problems);
    }

    /// <summary>True when a Service carries any Datadog check annotation of <paramref name="kind"/>.</summary>
    public static bool HasAnnotations(string kind, IReadOnlyDictionary<string, string> annotations) =>
        annotations.ContainsKey($"{DatadogAnnotations.Prefix}{kind}.checks") || annotations.ContainsKey($"{DatadogAnnotations.Prefix}{kind}.check_names");
}
