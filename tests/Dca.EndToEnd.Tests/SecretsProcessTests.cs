using System.Globalization;
using Dca.Testing;
using Xunit.Abstractions;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 11, secrets: with known values of every secret (the cluster agent's token, <c>DD_API_KEY</c>, <c>DD_APP_KEY</c>,
/// the API server's bearer token, the kubelet's token, a password in a URL), the native binaries run everything at trace
/// level (events shipped, a node agent tagging, a cluster check dispatched, external metrics answered from Datadog and
/// from a DatadogMetric), then meet the errors that tend to echo secrets: wrong and nearly right tokens, malformed
/// requests, Datadog refusing the keys and rate limiting, the API server failing and throttling, a kubelet refusing,
/// bad options at start. No secret, no 12-character prefix of one and no base64 of one appears in any output line,
/// metric, status, health or error body, command output, Kubernetes object the agents wrote, or what the fakes
/// received (except the headers that must carry them, which the fakes do not record).
/// </summary>
public sealed partial class SecretsProcessTests(ITestOutputHelper output)
{
    private const string Token = "dcaTokQv7XzK2mW9pR4tY8uB3nL6sD1fG5hJ0cE";
    private const string ApiKey = "apiKeyZx81Mq4Wn7Vb2Lc9Ks5Jd3Hf6Gt0Ry";
    private const string AppKey = "appKeyPw3Ne8Rb5Tc1Ym7Ua4Io9Qs2Dz6Fx0Gh";
    private const string SimToken = "simTokHk5Lj2Mn8Bv3Cx7Za1Sd4Fg9Qw6Er0Ty";
    private const string KubeletToken = "kubTokRf4Eg7Th2Yj5Uk8Il1Om3Pn6Qa9Sz0Xc";

    /// <summary>Shorter than the 32 characters a cluster agent token needs: refused at start, never echoed.</summary>
    private const string ShortToken = "shortTokGq5Wd8Zk2Lp";

    /// <summary>
    /// The password of the URLs given as <c>DD_DD_URL</c>, the query API's endpoint, the node agent's <c>DD_CLUSTER_AGENT_URL</c>
    /// and a kubeconfig's server.
    /// </summary>
    private const string UrlPassword = "urlPassMj6Nh3Bg9VfKt";

    private const string Query = "avg:nginx.net.request_per_s{kube_container_name:nginx}.rollup(30)";
    private const string MetricQuery = "avg:secrets.queue.depth{*}.rollup(30)";
    private const string Address0 = "127.0.0.1";
    private const string Address1 = "127.0.0.2";

    private static readonly (string Name, string Value)[] s_secrets =
    [
        ("DD_CLUSTER_AGENT_AUTH_TOKEN", Token),
        ("DD_API_KEY", ApiKey),
        ("DD_APP_KEY", AppKey),
        ("API server token", SimToken),
        ("kubelet token", KubeletToken),
        ("short token", ShortToken),
        ("URL password", UrlPassword),
    ];

    /// <summary>The right token but for its last character: a 403, and its long common prefix must not be echoed either.</summary>
    private static string NearlyRight(string token) => token[..^1] + (token[^1] == 'X' ? 'Y' : 'X');

    [Fact]
    public async Task BadOptionsAtStart_ExitWithCode2_WithoutEchoingASecret()
    {
        var scan = new SecretScan(s_secrets);
        var missing = Path.Combine(Path.GetTempPath(), $"dca-e2e-missing-{Guid.NewGuid():N}");
        var runs = new (string Name, string Binary, string[] Args, Dictionary<string, string> Env, string Names)[]
        {
            ("dca, short token", "dca", ["--kubeconfig", missing], new() { ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = ShortToken }, "DD_CLUSTER_AGENT_AUTH_TOKEN"),
            ("dca, DD_DD_URL not http(s)", "dca", ["--kubeconfig", missing], Keys(new() { ["DD_DD_URL"] = $"ftp://dd:{UrlPassword}@intake.example/" }), "DD_DD_URL"),
            ("dca, DD_DD_URL not a URL", "dca", ["--kubeconfig", missing], Keys(new() { ["DD_DD_URL"] = $"https://dd:{UrlPassword}@intake example/" }), "DD_DD_URL"),
            ("dca, query API endpoint not http(s)", "dca", ["--kubeconfig", missing], Keys(new()
            {
                ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
                ["DCA_EXTERNAL_METRICS_BACKEND"] = "datadog",
                ["DD_EXTERNAL_METRICS_PROVIDER_ENDPOINT"] = $"ftp://dd:{UrlPassword}@api.example/",
            }), "DD_EXTERNAL_METRICS_PROVIDER_ENDPOINT"),
            ("dca, Prometheus URL not http(s)", "dca", ["--kubeconfig", missing], Keys(new()
            {
                ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true",
                ["DCA_EXTERNAL_METRICS_PROMETHEUS_URL"] = $"ftp://dd:{UrlPassword}@prometheus.example/",
            }), "DCA_EXTERNAL_METRICS_PROMETHEUS_URL"),
            ("dca, bad log level", "dca", ["--kubeconfig", missing], Keys(new() { ["DD_LOG_LEVEL"] = "loud" }), "DD_LOG_LEVEL"),
            ("dca-node, short token", "dca-node", [], new() { ["DD_CLUSTER_AGENT_URL"] = "https://127.0.0.1:5005", ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = ShortToken }, "DD_CLUSTER_AGENT_AUTH_TOKEN"),
            ("dca-node, cluster agent URL over http", "dca-node", [], Keys(new() { ["DD_CLUSTER_AGENT_URL"] = $"http://dd:{UrlPassword}@127.0.0.1:5005" }), "DD_CLUSTER_AGENT_URL"),
            ("dca-node, DD_DD_URL not http(s)", "dca-node", [], Keys(new()
            {
                ["DD_CLUSTER_AGENT_URL"] = "https://127.0.0.1:5005",
                ["DD_DD_URL"] = $"ftp://dd:{UrlPassword}@intake.example/",
            }), "DD_DD_URL"),
            ("dca-sim, token without a value", "dca-sim", ["--token", $"{SimToken},kubelet="], new(), "DCA_SIM_TOKEN"),
        };
        foreach (var (name, binary, args, env, names) in runs)
        {
            var (code, stdout, stderr) = await NativeProcess.RunAsync(binary, args, env);
            scan.Add($"{name}: stdout", stdout);
            scan.Add($"{name}: stderr", stderr);
            Assert.True(code == 2, $"{name}: exit code {code}, stderr: {Masked(stderr)}");
            Assert.True(stderr.Contains(names, StringComparison.Ordinal), $"{name}: the error does not name {names}: {Masked(stderr)}");
        }

        // The commands that talk to a running agent: none is listening here.
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        foreach (var command in new[] { "status", "metamap" })
        {
            var (code, stdout, stderr) = await NativeProcess.RunAsync("dca", [command],
                new Dictionary<string, string> { ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token, ["DD_CLUSTER_AGENT_CMD_PORT"] = port });
            scan.Add($"dca {command}, nothing listening: stdout", stdout);
            scan.Add($"dca {command}, nothing listening: stderr", stderr);
            Assert.Equal(1, code);
        }

        AssertNoSecret(scan);
    }

    /// <summary>Every secret option set, so an error about another option could echo them.</summary>
    private static Dictionary<string, string> Keys(Dictionary<string, string> env)
    {
        env.TryAdd("DD_CLUSTER_AGENT_AUTH_TOKEN", Token);
        env.TryAdd("DD_API_KEY", ApiKey);
        env.TryAdd("DD_APP_KEY", AppKey);
        return env;
    }

    private void AssertNoSecret(SecretScan scan)
    {
        var findings = scan.Findings();
        output.WriteLine($"searched {scan.Count} outputs ({scan.Characters:N0} characters) for {s_secrets.Length} secrets");
        foreach (var finding in findings)
        {
            output.WriteLine(finding);
        }
        Assert.True(findings.Count == 0, $"{findings.Count} lines show a secret:\n{string.Join('\n', findings.Take(40))}");
    }

    private static string Masked(string text) => new SecretScan(s_secrets).Mask(text);
}
