using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dca.Api;
using Dca.Hosting;

namespace Dca;

/// <summary>
/// <c>dca status</c> and <c>dca metamap [node]</c>: ask the running agent (on this host's command port,
/// authenticated with <c>DD_CLUSTER_AGENT_AUTH_TOKEN</c>) and print what it says.
/// </summary>
internal static class AgentCommands
{
    public static async Task<int> RunAsync(AgentContext ctx)
    {
        var words = ctx.CommandLine.Positional;
        var port = ctx.Options.ListenPort(DcaOptions.CommandPort);
        var token = ctx.Options.OptionalString(DcaOptions.AuthToken)
            ?? throw new OptionException($"{words[0]} needs DD_CLUSTER_AGENT_AUTH_TOKEN to talk to the running agent");
        using var http = Client(port, token);
        try
        {
            switch (words[0])
            {
                case "status" when words.Count == 1:
                    await PrintStatusAsync(http);
                    return 0;
                case "metamap" when words.Count <= 2:
                    await PrintMetamapAsync(http, words.Count == 2 ? words[1] : null);
                    return 0;
                default:
                    throw new OptionException($"unknown command \"{string.Join(' ', words)}\" (commands: status, metamap [node])");
            }
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"dca {words[0]}: cannot reach the cluster agent at https://127.0.0.1:{port}: {ex.Message}");
            return 1;
        }
    }

    private static HttpClient Client(int port, string token)
    {
        // The agent's certificate is self-signed; as with Datadog's CLI, trust comes from the token.
        var handler = new SocketsHttpHandler
        {
#pragma warning disable CA5359 // Loopback to our own agent, whose certificate is self-signed by design; the token authenticates.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
#pragma warning restore CA5359
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<string> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
        {
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {body.Trim()}");
        }
        return body;
    }

    private static async Task PrintStatusAsync(HttpClient http)
    {
        var report = JsonSerializer.Deserialize(await GetAsync(http, "/status"), StatusJsonContext.Default.StatusReport)!;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Cluster agent {report.Version}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  API server:   {report.ApiServer} ({(report.ApiServerHealthy ? "reachable" : report.ApiServerError ?? "unreachable")})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  Cluster id:   {report.ClusterId ?? "(not known yet)"}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  Leadership:   {report.Leadership}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  Endpoints:    {report.EndpointsSource ?? "(deciding)"}");
        var s = report.Snapshot;
        sb.AppendLine(CultureInfo.InvariantCulture, $"  Snapshot:     {(s.Synced ? "synced" : "NOT SYNCED")}, generation {s.Generation}, age {s.AgeSeconds:F1} s, last build {s.LastBuildMilliseconds:F1} ms");
        sb.AppendLine(CultureInfo.InvariantCulture, $"                {s.Nodes} nodes, {s.Namespaces} namespaces, {s.PodsWithServices} pods with services");
        sb.AppendLine("  Informers:");
        foreach (var i in report.Informers)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"    {i.Name,-15} {(i.Synced ? "synced" : "syncing"),-8} {(i.Healthy ? "healthy" : "UNHEALTHY"),-9} {i.Objects,8} objects  rv {i.ResourceVersion}  relists {i.Relists}  restarts {i.WatchRestarts}  errors {i.Errors}");
            if (!i.Healthy && i.LastError is { } error)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"      last error: {error}");
            }
        }
        if (report.ClusterChecks is { } checks)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  Cluster checks: {(checks.Leading ? checks.WarmUp ? "leading, warming up" : "leading" : "following (the leader dispatches)")}, " +
                $"{checks.Configs} configurations, {checks.Dangling} dangling, {checks.Nodes} node agents, {checks.EndpointsConfigs} endpoints checks");
            foreach (var problem in checks.Problems)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"    problem: {problem}");
            }
        }
        await Console.Out.WriteAsync(sb.ToString());
    }

    private static async Task PrintMetamapAsync(HttpClient http, string? node)
    {
        var body = await GetAsync(http, node is null ? "/api/v1/tags/pod" : "/api/v1/tags/pod/" + Uri.EscapeDataString(node));
        using var doc = JsonDocument.Parse(body);
        var sb = new StringBuilder();
        if (doc.RootElement.TryGetProperty("Nodes", out var nodes))
        {
            foreach (var n in nodes.EnumerateObject())
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"Node: {n.Name}");
                foreach (var ns in n.Value.GetProperty("services").EnumerateObject())
                {
                    foreach (var pod in ns.Value.EnumerateObject())
                    {
                        sb.AppendLine(CultureInfo.InvariantCulture, $"  {ns.Name}/{pod.Name}: {string.Join(", ", pod.Value.EnumerateObject().Select(p => p.Name))}");
                    }
                }
            }
        }
        foreach (var key in new[] { "Warnings", "Errors" })
        {
            if (doc.RootElement.TryGetProperty(key, out var list))
            {
                foreach (var item in list.EnumerateArray())
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{key[..^1]}: {item.GetString()}");
                }
            }
        }
        await Console.Out.WriteAsync(sb.ToString());
    }
}
