using Dca.Hosting;

namespace Dca.Tests.Hosting;

public class OptionsTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static OptionSource Source(Dictionary<string, string>? env = null, params string[] args)
    {
        var commandLine = CommandLine.Parse(args, DcaOptions.Definitions);
        var withToken = new Dictionary<string, string>(env ?? []);
        withToken.TryAdd("DD_CLUSTER_AGENT_AUTH_TOKEN", Token);
        return new OptionSource(commandLine.Flags, withToken);
    }

    [Fact]
    public void Load_ShortToken_FailsWithoutEchoingIt()
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { ["DD_CLUSTER_AGENT_AUTH_TOKEN"] = "short-secret" })));

        Assert.Equal("invalid DD_CLUSTER_AGENT_AUTH_TOKEN: the token must be at least 32 characters (got 12)", ex.Message);
    }

    [Theory]
    [InlineData("https://dd:pass@intake.example/", "https://***@intake.example/")]
    [InlineData("https://dd:p@ss@intake example/x@y", "https://***@intake example/x@y")]
    [InlineData("invalid DD_DD_URL=\"ftp://a:b@h\", or http://c@h2/", "invalid DD_DD_URL=\"ftp://***@h\", or http://***@h2/")]
    [InlineData("https://intake.example/?user=a@b", "https://intake.example/?user=a@b")]
    public void UrlCredentials_AreHidden_WellFormedOrNot(string text, string shown) => Assert.Equal(shown, UrlCredentials.Hide(text));

    [Theory]
    [InlineData("DD_DD_URL", "ftp://dd:url-secret@intake.example/")]
    [InlineData("DD_DD_URL", "https://dd:url-secret@intake example/")]
    [InlineData("DCA_EXTERNAL_METRICS_PROMETHEUS_URL", "ftp://dd:url-secret@prometheus.example/")]
    public void Load_BadUrlWithCredentials_NamesTheOptionWithoutThem(string option, string url)
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { [option] = url, ["DD_EXTERNAL_METRICS_PROVIDER_ENABLED"] = "true" })));

        Assert.StartsWith($"invalid {option}=", ex.Message, StringComparison.Ordinal);
        Assert.Contains("://***@", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("url-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoToken_Fails()
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(new OptionSource(new Dictionary<string, string>(), new Dictionary<string, string>())));

        Assert.StartsWith("invalid DD_CLUSTER_AGENT_AUTH_TOKEN: a token is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateWithoutKey_Fails()
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { ["DD_CLUSTER_AGENT_TLS_CERT_FILE"] = "/tmp/c.pem" })));

        Assert.StartsWith("invalid DD_CLUSTER_AGENT_TLS_KEY_FILE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExternalMetricsBackend_FollowsWhatIsConfigured_AndNamesWhatIsMissing()
    {
        static Dictionary<string, string> Env(params (string, string)[] pairs) =>
            new(pairs.Select(p => KeyValuePair.Create(p.Item1, p.Item2)).Append(KeyValuePair.Create("DD_EXTERNAL_METRICS_PROVIDER_ENABLED", "true")));
        Assert.Equal(Dca.ExternalMetrics.ExternalMetricsBackendKind.Agents, DcaOptions.Load(Source(Env())).ExternalMetrics.Backend);
        Assert.Equal(Dca.ExternalMetrics.ExternalMetricsBackendKind.Prometheus,
            DcaOptions.Load(Source(Env(("DCA_EXTERNAL_METRICS_PROMETHEUS_URL", "http://prometheus:9090")))).ExternalMetrics.Backend);

        var datadog = DcaOptions.Load(Source(Env(("DD_API_KEY", "api-secret-1"), ("DD_APP_KEY", "app-secret-2"), ("DD_SITE", "datadoghq.eu"),
            ("DD_EXTERNAL_METRICS_PROVIDER_ROLLUP", "60"), ("DD_EXTERNAL_METRICS_AGGREGATOR", "max")))).ExternalMetrics;
        Assert.Equal(Dca.ExternalMetrics.ExternalMetricsBackendKind.Datadog, datadog.Backend);
        Assert.Equal(new Uri("https://api.datadoghq.eu/"), datadog.Datadog!.Endpoint);
        Assert.Equal(("api-secret-1", "app-secret-2", "max", 60), (datadog.Datadog.ApiKey, datadog.Datadog.AppKey, datadog.Datadog.Aggregator, datadog.Datadog.RollupSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), datadog.Datadog.RefreshPeriod);

        var noAppKey = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(Env(("DCA_EXTERNAL_METRICS_BACKEND", "datadog"), ("DD_API_KEY", "api-secret-1")))));
        Assert.Equal("missing DD_APP_KEY: DCA_EXTERNAL_METRICS_BACKEND=datadog queries the Datadog API, which needs an application key", noAppKey.Message);
        var noApiKey = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(Env(("DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD", "true"), ("DCA_EXTERNAL_METRICS_BACKEND", "agents"), ("DD_APP_KEY", "app-secret-2")))));
        Assert.Equal("missing DD_API_KEY: DD_EXTERNAL_METRICS_PROVIDER_USE_DATADOGMETRIC_CRD=true queries the Datadog API, which needs an API key", noApiKey.Message);
        var noUrl = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(Env(("DCA_EXTERNAL_METRICS_BACKEND", "prometheus")))));
        Assert.StartsWith("missing DCA_EXTERNAL_METRICS_PROMETHEUS_URL", noUrl.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(Env(("DCA_EXTERNAL_METRICS_BACKEND", "graphite")))));
        Assert.StartsWith("invalid DCA_EXTERNAL_METRICS_BACKEND=\"graphite\"", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LeaderElectionSettings_FollowDatadogNames()
    {
        var defaults = DcaOptions.Load(Source()).Election;
        Assert.False(defaults.Enabled);
        Assert.Equal("datadog-leader-election", defaults.LockName);
        Assert.Equal(Dca.Leader.LockKind.Lease, defaults.Lock);
        Assert.Equal(TimeSpan.FromSeconds(60), defaults.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(15), defaults.RetryPeriod);
        Assert.True(defaults.ReleaseOnShutdown);

        var set = DcaOptions.Load(Source(new()
        {
            ["DD_LEADER_ELECTION"] = "true",
            ["DD_POD_NAME"] = "dca-7f9c-x2",
            ["DD_LEADER_LEASE_NAME"] = "my-release-leader-election",
            ["DD_LEADER_LEASE_DURATION"] = "20",
            ["DD_LEADER_ELECTION_DEFAULT_RESOURCE"] = "configmap",
        })).Election;
        Assert.True(set.Enabled);
        Assert.Equal("dca-7f9c-x2", set.Identity);
        Assert.Equal("my-release-leader-election", set.LockName);
        Assert.Equal(Dca.Leader.LockKind.ConfigMap, set.Lock);
        Assert.Equal(TimeSpan.FromSeconds(10), set.RenewDeadline);
    }

    [Theory]
    [InlineData("DD_LEADER_ELECTION_DEFAULT_RESOURCE", "endpoints")]
    [InlineData("DD_LEADER_LEASE_DURATION", "1")]
    [InlineData("DD_LEADER_ELECTION", "maybe")]
    public void Load_BadLeaderElectionValue_NamesTheOption(string name, string value)
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { [name] = value })));
        Assert.StartsWith("invalid " + name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoSettings_UsesDatadogDefaultPorts()
    {
        var options = DcaOptions.Load(Source());

        Assert.Equal(5005, options.CommandPortNumber);
        Assert.Equal(5556, options.HealthPortNumber);
        Assert.Equal(5000, options.MetricsPortNumber);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, options.Logging.Level);
        Assert.False(options.Logging.Json);
    }

    [Fact]
    public void Load_EnvironmentVariables_AreRead()
    {
        var options = DcaOptions.Load(Source(new() { ["DD_HEALTH_PORT"] = "6000", ["DD_LOG_LEVEL"] = "WARN", ["DD_LOG_FORMAT_JSON"] = "true" }));

        Assert.Equal(6000, options.HealthPortNumber);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, options.Logging.Level);
        Assert.True(options.Logging.Json);
    }

    [Fact]
    public void Load_FlagAndEnvironment_FlagWins()
    {
        var options = DcaOptions.Load(Source(new() { ["DD_HEALTH_PORT"] = "6000" }, "--health-port=7000"));

        Assert.Equal(7000, options.HealthPortNumber);
    }

    [Theory]
    [InlineData("DD_HEALTH_PORT", "abc", "invalid DD_HEALTH_PORT=\"abc\"")]
    [InlineData("DD_HEALTH_PORT", "70000", "invalid DD_HEALTH_PORT=\"70000\"")]
    [InlineData("DD_HEALTH_PORT", "0", "invalid DD_HEALTH_PORT=\"0\": expected a port number between 1 and 65535")]
    [InlineData("DD_KUBERNETES_USE_ENDPOINT_SLICES", "perhaps", "invalid DD_KUBERNETES_USE_ENDPOINT_SLICES=\"perhaps\"")]
    [InlineData("DD_POD_IP", "10.0.0", "invalid DD_POD_IP=\"10.0.0\": expected an IP address")]
    [InlineData("DD_LOG_LEVEL", "loud", "invalid DD_LOG_LEVEL=\"loud\": expected one of")]
    [InlineData("DD_LOG_FORMAT_JSON", "maybe", "invalid DD_LOG_FORMAT_JSON=\"maybe\": expected true or false")]
    [InlineData("DD_BIND_HOST", "not-an-ip", "invalid DD_BIND_HOST=\"not-an-ip\": expected an IP address")]
    [InlineData("DCA_MAX_CONNECTIONS", "0", "invalid DCA_MAX_CONNECTIONS=\"0\"")]
    [InlineData("DCA_MAX_INFLIGHT_REQUESTS", "many", "invalid DCA_MAX_INFLIGHT_REQUESTS=\"many\"")]
    [InlineData("DCA_MAX_REQUESTS_PER_CONNECTION", "-1", "invalid DCA_MAX_REQUESTS_PER_CONNECTION=\"-1\"")]
    [InlineData("DD_CLUSTER_AGENT_SERVER_IDLE_TIMEOUT_SECONDS", "0", "invalid DD_CLUSTER_AGENT_SERVER_IDLE_TIMEOUT_SECONDS=\"0\"")]
    public void Load_BadValue_ThrowsNamingTheOption(string variable, string value, string expected)
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { [variable] = value })));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_BadFlag_NamesTheFlag()
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(null, "--health-port", "x")));

        Assert.StartsWith("invalid --health-port=\"x\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SamePortTwice_Fails()
    {
        var ex = Assert.Throws<OptionException>(() => DcaOptions.Load(Source(new() { ["DD_HEALTH_PORT"] = "5005" })));

        Assert.Contains("must differ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFlag_Fails()
    {
        var ex = Assert.Throws<OptionException>(() => CommandLine.Parse(["--nope"], DcaOptions.Definitions));

        Assert.Equal("unknown flag --nope (see --help)", ex.Message);
    }

    [Fact]
    public void Invalid_SecretOption_NeverEchoesTheValue()
    {
        var secret = new OptionDefinition("DD_API_KEY", null, null, "key", IsSecret: true);

        var ex = OptionException.Invalid(secret, "s3cr3t-value", "too short");

        Assert.DoesNotContain("s3cr3t-value", ex.Message, StringComparison.Ordinal);
        Assert.Equal("invalid DD_API_KEY: too short", ex.Message);
    }

    [Fact]
    public void Help_ListsEveryOptionWithDefault()
    {
        var help = AgentProgram.Help(new AgentDescription("dca", "summary", ["dca [options]"]), DcaOptions.Definitions);

        foreach (var option in DcaOptions.Definitions)
        {
            Assert.Contains(option.EnvironmentVariable ?? "--" + option.Flag, help, StringComparison.Ordinal);
        }
        Assert.Contains("(default: 5005)", help, StringComparison.Ordinal);
    }
}
