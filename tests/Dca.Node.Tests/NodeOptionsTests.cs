using Dca.Hosting;

namespace Dca.Node.Tests;

public class NodeOptionsTests
{
    private static NodeOptions Load(Dictionary<string, string> env) =>
        NodeOptions.Load(new OptionSource(new Dictionary<string, string>(), new Dictionary<string, string>(env) { ["DD_CLUSTER_AGENT_ENABLED"] = "false" }));

    [Fact]
    public void Load_NoSettings_UsesTheAgentHealthPort()
    {
        Assert.Equal(5555, Load([]).HealthPortNumber);
    }

    [Fact]
    public void Load_BadHealthPort_NamesTheVariable()
    {
        var ex = Assert.Throws<OptionException>(() => Load(new() { ["DD_HEALTH_PORT"] = "-1" }));

        Assert.StartsWith("invalid DD_HEALTH_PORT=\"-1\"", ex.Message, StringComparison.Ordinal);
    }
}

public class NodeOptionsClusterAgentTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static NodeOptions Load(Dictionary<string, string> env, Func<string, bool>? exists = null) =>
        NodeOptions.Load(new OptionSource(new Dictionary<string, string>(), env), exists ?? (_ => false));

    private static Dictionary<string, string> Env(params (string Key, string Value)[] pairs)
    {
        var env = new Dictionary<string, string> { ["DD_CLUSTER_AGENT_URL"] = "https://dca:5005", ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = Token };
        foreach (var (key, value) in pairs)
        {
            env[key] = value;
        }
        return env;
    }

    [Fact]
    public void Load_Defaults_AreTheDatadogNodeAgents()
    {
        var o = Load(Env(("DD_KUBERNETES_KUBELET_NODENAME", "node-1")));

        Assert.Equal("node-1", o.Node);
        Assert.Equal("node-1", o.Host);
        Assert.Equal(5001, o.OpenMetricsPortNumber);
        Assert.Equal(10250, o.Kubelet.HttpsPort);
        Assert.Null(o.Kubelet.HttpPort);
        Assert.True(o.Kubelet.VerifyTls);
        Assert.Equal(TimeSpan.FromSeconds(15), o.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), o.MetadataPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1200), o.ClusterAgent!.ReconnectPeriod);
        Assert.False(o.ClusterAgent.VerifyTls);
        Assert.Null(o.ApiKeyValue);
    }

    [Fact]
    public void Load_InAPod_UsesTheServiceAccountTokenAndCa()
    {
        var o = Load(Env(), path => path.StartsWith(NodeOptions.ServiceAccountDirectory, StringComparison.Ordinal));

        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/token", o.Kubelet.TokenFile);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", o.Kubelet.CaFile);
    }

    [Fact]
    public void Load_ClusterName_SuffixesTheHostLikeTheDatadogAgent()
    {
        var o = Load(Env(("DD_KUBERNETES_KUBELET_NODENAME", "node-1"), ("DD_CLUSTER_NAME", "prod-eu")));

        Assert.Equal("node-1-prod-eu", o.Host);
        Assert.Equal("explicit", Load(Env(("DD_CLUSTER_NAME", "prod-eu"), ("DD_HOSTNAME", "explicit"))).Host);
    }

    [Fact]
    public void Load_ServiceDiscovery_UsesTheKubernetesServiceEnvironment()
    {
        var env = Env(("DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME", "dd-cluster-agent"), ("DD_CLUSTER_AGENT_URL", ""),
            ("DD_CLUSTER_AGENT_SERVICE_HOST", "10.0.0.7"), ("DD_CLUSTER_AGENT_SERVICE_PORT", "5005"));

        Assert.Equal(new Uri("https://10.0.0.7:5005/"), Load(env).ClusterAgent!.Endpoint);
    }

    [Theory]
    [InlineData("DD_CLUSTER_AGENT_URL", "http://dca:5005", "must use https")]
    [InlineData("DD_CLUSTER_AGENT_AUTH_TOKEN", "short", "invalid DD_CLUSTER_AGENT_AUTH_TOKEN: must be at least 32 characters")]
    [InlineData("DD_KUBERNETES_POD_LABELS_AS_TAGS", "{bad", "invalid DD_KUBERNETES_POD_LABELS_AS_TAGS=\"{bad\": not valid JSON")]
    [InlineData("DD_CLUSTER_NAME", "Prod_EU", "invalid DD_CLUSTER_NAME=\"Prod_EU\"")]
    [InlineData("DD_CHECK_INTERVAL", "0", "invalid DD_CHECK_INTERVAL=\"0\"")]
    [InlineData("DD_KUBELET_CLIENT_CA", "/nope/ca.crt", "invalid DD_KUBELET_CLIENT_CA=\"/nope/ca.crt\": no such file")]
    [InlineData("DD_OPENMETRICS_PORT", "5555", "must differ")]
    public void Load_BadValue_StopsWithOneLineNamingIt(string key, string value, string expected)
    {
        var ex = Assert.Throws<OptionException>(() => Load(Env((key, value))));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoClusterAgentAddress_SaysWhatToSet()
    {
        var env = Env();
        env.Remove("DD_CLUSTER_AGENT_URL");

        var ex = Assert.Throws<OptionException>(() => Load(env));

        Assert.Contains("DATADOG_CLUSTER_AGENT_SERVICE_HOST", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DD_CLUSTER_AGENT_ENABLED=false", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClusterAgentDisabled_NeedsNoToken() =>
        Assert.Null(Load(new() { ["DD_CLUSTER_AGENT_ENABLED"] = "false" }).ClusterAgent);

    [Fact]
    public void ToString_NeverShowsTheTokenOrApiKey()
    {
        var text = Load(Env(("DD_API_KEY", "secret-api-key-value"))).ToString();

        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-api-key-value", text, StringComparison.Ordinal);
    }
}
