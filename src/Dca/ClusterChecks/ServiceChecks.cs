namespace Dca.ClusterChecks;

/// <summary>Turns a Service's annotation templates into resolved configurations (cluster checks on the ClusterIP, endpoints checks per pod-backed endpoint).</summary>
public static class ServiceChecks
{
    /// <summary>The Service's <c>service</c> checks, resolved against its ClusterIP and ports.</summary>
    public static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) ForService(
        string ns, string name, CheckTarget target, IReadOnlyDictionary<string, string> annotations)
    {
        var id = $"kube_service://{ns}/{name}";
        return Resolve("service", $"service {ns}/{name}", annotations, target, "kube_services", "kube_services:" + id, id, "");
    }

    /// <summary>The Service's <c>endpoints</c> checks for one endpoint (its IP and ports), to run on <paramref name="nodeName"/>.</summary>
    public static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) ForEndpoint(
        string ns, string name, string ip, string nodeName, CheckTarget target, IReadOnlyDictionary<string, string> annotations)
    {
        var id = $"kube_endpoint_uid://{ns}/{name}/{ip}";
        return Resolve("endpoints", $"service {ns}/{name} endpoint {ip}", annotations, target with { Host = ip }, "kube_endpoints", "kube_endpoints:" + id, id, nodeName);
    }

    private static (IReadOnlyList<CheckConfig>, IReadOnlyList<ConfigProblem>) Resolve(string kind, string origin, IReadOnlyDictionary<string, string> annotations,
        CheckTarget target, string provider, string source, string serviceId, string nodeName)
    {
        var (templates, parseProblems) = DatadogAnnotations.Parse(kind, annotations);
        var problems = parseProblems.Select(p => new ConfigProblem(origin, p)).ToList();
        var configs = new List<CheckConfig>();
        foreach (var template in templates)
        {
            try
            {
                var instances = template.Instances.Select(i => TemplateResolver.Resolve(i, target).ToJsonString()).ToList();
                configs.Add(new CheckConfig(template.CheckName, template.InitConfig?.ToJsonString() ?? "{}", instances, provider, source, serviceId, [serviceId], nodeName));
            }
            catch (FormatException e)
            {
                problems.Add(new ConfigProblem(origin, $"check {template.CheckName}: {e.Message}"));
            }
        }
        return (configs, problems);
    }

    /// <summary>True when a Service carries any Datadog check annotation of <paramref name="kind"/>.</summary>
    public static bool HasAnnotations(string kind, IReadOnlyDictionary<string, string> annotations) =>
        annotations.ContainsKey($"{DatadogAnnotations.Prefix}{kind}.checks") || annotations.ContainsKey($"{DatadogAnnotations.Prefix}{kind}.check_names");
}
