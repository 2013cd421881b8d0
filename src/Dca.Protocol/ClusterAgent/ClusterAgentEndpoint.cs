namespace Dca.Protocol.ClusterAgent;

/// <summary>
/// Where the node agent finds the cluster agent, as the Datadog node agent decides it (PROTOCOL.md §2):
/// <c>DD_CLUSTER_AGENT_URL</c> first (no scheme means https; http is refused, the token would travel in
/// clear), else the Service Kubernetes injects into every pod's environment:
/// <c>DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME</c> upper-cased with <c>-</c> as <c>_</c>, then
/// <c>&lt;SVC&gt;_SERVICE_HOST</c> and <c>&lt;SVC&gt;_SERVICE_PORT</c>.
/// </summary>
public static class ClusterAgentEndpoint
{
    public const string DefaultServiceName = "datadog-cluster-agent";

    /// <summary>The endpoint, or an <see cref="ArgumentException"/> whose message says what is missing or wrong.</summary>
    public static Uri Resolve(string? url, string? serviceName, Func<string, string?> environment)
    {
        if (url is { Length: > 0 })
        {
            var text = url.Trim();
            if (!text.Contains("://", StringComparison.Ordinal))
            {
                text = "https://" + text;
            }
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                throw new ArgumentException($"DD_CLUSTER_AGENT_URL=\"{url}\" is not a valid URL");
            }
            if (uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new ArgumentException($"DD_CLUSTER_AGENT_URL=\"{url}\" must use https: the cluster agent token would be sent in clear");
            }
            return uri;
        }
        var service = serviceName is { Length: > 0 } s ? s : DefaultServiceName;
        var prefix = service.ToUpperInvariant().Replace('-', '_');
        var host = environment(prefix + "_SERVICE_HOST");
        var port = environment(prefix + "_SERVICE_PORT");
        if (host is not { Length: > 0 } || port is not { Length: > 0 })
        {
            throw new ArgumentException($"no cluster agent address: DD_CLUSTER_AGENT_URL is not set and {prefix}_SERVICE_HOST/{prefix}_SERVICE_PORT " +
                $"are not in the environment (is the Service \"{service}\" in this namespace? set DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME to its name)");
        }
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new ArgumentException($"{prefix}_SERVICE_PORT=\"{port}\" is not a port number");
        }
        var literal = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new Uri($"https://{literal}:{number}/");
    }
}
