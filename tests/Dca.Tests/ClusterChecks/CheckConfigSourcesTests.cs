using System.Text;
using System.Text.Json;
using Dca.ClusterChecks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dca.Tests.ClusterChecks;

public sealed class CheckConfigSourcesTests
{
    private static readonly CheckTarget s_web = new("10.96.0.12", [("http", 8080), ("metrics", 9090), ("https", 8443)], "shop");

    private static Dictionary<string, string> Annotations(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => DatadogAnnotations.Prefix + p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Decodes a config's wire JSON as Datadog's node agent does: base64 → YAML → the instance's mapping.</summary>
    private static (JsonElement Config, List<YamlMappingNode> Instances, YamlMappingNode Init) Decode(CheckConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            ConfigWire.Write(w, config);
        }
        var element = JsonDocument.Parse(buffer.ToArray()).RootElement;
        static YamlMappingNode Yaml(byte[] bytes)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(Encoding.UTF8.GetString(bytes)));
            return (YamlMappingNode)stream.Documents[0].RootNode;
        }
        return (element, [.. element.GetProperty("instances").EnumerateArray().Select(i => Yaml(i.GetBytesFromBase64()))], Yaml(element.GetProperty("init_config").GetBytesFromBase64()));
    }

    private static string Scalar(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Value!;

    private static ScalarStyle Style(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Style;

    [Fact]
    public void ServiceChecksAnnotation_ResolvesHostAndPorts_AndEncodesAsDatadogsConfig()
    {
        var (configs, problems) = ServiceChecks.ForService("shop", "web", s_web, Annotations(("service.checks", """
            {"http_check": {"init_config": {"ca_certs": "/etc/ssl/ca.pem"},
              "instances": [{"name": "web", "url": "http://%%host%%:%%port_http%%/health", "timeout": 3, "tags": ["team:shop"]}]},
             "tcp_check": {"instances": [{"name": "web-tls", "host": "%%host%%", "port": "%%port%%"}, {"name": "by-index", "host": "%%host%%", "port": "%%port_0%%"}]}}
            """)));
        Assert.Empty(problems);
        Assert.Equal(["http_check", "tcp_check"], configs.Select(c => c.CheckName));

        var (http, instances, init) = Decode(configs[0]);
        Assert.Equal("http_check", http.GetProperty("check_name").GetString());
        Assert.Equal("http://10.96.0.12:8080/health", Scalar(instances[0], "url"));
        Assert.Equal("3", Scalar(instances[0], "timeout"));
        Assert.Equal("/etc/ssl/ca.pem", Scalar(init, "ca_certs"));
        // As Datadog's dispatcher sends them: no AD identifiers (or node agents wait for a service to match) and not a cluster check (or they skip it).
        Assert.Equal(JsonValueKind.Null, http.GetProperty("ad_identifiers").ValueKind);
        Assert.Equal(("kube_services", "kube_service://shop/web", "kube_services:kube_service://shop/web", false, ""),
            (http.GetProperty("provider").GetString(), http.GetProperty("service_id").GetString(), http.GetProperty("source").GetString(),
             http.GetProperty("cluster_check").GetBoolean(), http.GetProperty("node_name").GetString()));
        // Every field of Go's integration.Config is present, with Go's zero values where we have none.
        Assert.Equal(["check_name", "instances", "init_config", "metric_config", "logs", "ad_identifiers", "advanced_ad_identifiers", "provider", "service_id",
            "cluster_check", "node_name", "source", "ignore_autodiscovery_tags", "check_tag_cardinality", "metrics_excluded", "logs_excluded"],
            http.EnumerateObject().Select(p => p.Name));

        var (_, tcp, tcpInit) = Decode(configs[1]);
        // "%%port%%" alone is the highest port, and becomes a number (not the string "9090").
        Assert.Equal("9090", Scalar(tcp[0], "port"));
        Assert.Equal(ScalarStyle.Plain, Style(tcp[0], "port"));
        Assert.Equal("8080", Scalar(tcp[1], "port"));
        Assert.Empty(tcpInit.Children);
    }

    [Fact]
    public void LegacyAnnotations_PairChecksInitConfigsAndInstancesByPosition()
    {
        var (configs, problems) = ServiceChecks.ForService("shop", "web", s_web, Annotations(
            ("service.check_names", """["http_check", "tcp_check"]"""),
            ("service.init_configs", """[{}, {}]"""),
            ("service.instances", """[{"url": "http://%%host%%"}, {"host": "%%host%%", "port": "%%port_metrics%%"}]""")));
        Assert.Empty(problems);
        Assert.Equal([("http_check", """{"url":"http://10.96.0.12"}"""), ("tcp_check", """{"host":"10.96.0.12","port":9090}""")],
            configs.Select(c => (c.CheckName, c.Instances.Single())));
    }

    [Fact]
    public void BothFormats_TheChecksAnnotationWins()
    {
        var (configs, _) = ServiceChecks.ForService("shop", "web", s_web, Annotations(
            ("service.checks", """{"http_check": {"instances": [{"url": "http://%%host%%"}]}}"""),
            ("service.check_names", """["tcp_check"]"""), ("service.init_configs", "[{}]"), ("service.instances", """[{"port": 1}]""")));
        Assert.Equal("http_check", Assert.Single(configs).CheckName);
    }

    [Theory]
    [InlineData("service.checks", "{not json", "ad.datadoghq.com/service.checks: invalid JSON")]
    [InlineData("service.checks", """["http_check"]""", "expected a JSON object")]
    [InlineData("service.checks", """{"http_check": {"instances": []}}""", "check 'http_check': instances must be a non-empty array")]
    [InlineData("service.checks", """{"http_check": {"instances": [{"url": "http://%%hostname%%"}]}}""", "check http_check: unknown template variable %%hostname%%")]
    [InlineData("service.checks", """{"tcp_check": {"instances": [{"port": "%%port_grpc%%"}]}}""", "no port named or numbered 'grpc' (ports: http=8080, https=8443, metrics=9090)")]
    [InlineData("service.check_names", """["a", "b"]""", "must have the same length (2, 1, 1)")]
    public void BrokenAnnotations_AreReportedWithTheServiceAndReason_NotThrown(string key, string value, string expected)
    {
        var annotations = Annotations((key, value));
        if (key.EndsWith("check_names", StringComparison.Ordinal))
        {
            annotations[DatadogAnnotations.Prefix + "service.init_configs"] = "[{}]";
            annotations[DatadogAnnotations.Prefix + "service.instances"] = "[{}]";
        }
        var (configs, problems) = ServiceChecks.ForService("shop", "web", s_web, annotations);
        Assert.Empty(configs);
        var problem = Assert.Single(problems);
        Assert.Equal("service shop/web", problem.Origin);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneBrokenCheck_LeavesTheServicesOtherChecks()
    {
        var (configs, problems) = ServiceChecks.ForService("shop", "web", s_web, Annotations(("service.checks",
            """{"http_check": {"instances": [{"url": "http://%%nope%%"}]}, "tcp_check": {"instances": [{"host": "%%host%%", "port": 80}]}}""")));
        Assert.Equal("tcp_check", Assert.Single(configs).CheckName);
        Assert.Contains("%%nope%%", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadlessService_HostCannotBeResolved_ButEnvVariablesAreLeftForTheNodeAgent()
    {
        var headless = s_web with { Host = null };
        var (configs, problems) = ServiceChecks.ForService("shop", "db", headless, Annotations(("service.checks",
            """{"tcp_check": {"instances": [{"host": "%%host%%"}]}, "http_check": {"instances": [{"url": "http://db.%%kube_namespace%%:%%port_http%%", "password": "%%env_DB_PASSWORD%%"}]}}""")));
        Assert.Contains("headless", Assert.Single(problems).Message, StringComparison.Ordinal);
        Assert.Equal("""{"url":"http://db.shop:8080","password":"%%env_DB_PASSWORD%%"}""", Assert.Single(configs).Instances.Single());
    }

    [Fact]
    public void EndpointsChecks_ResolveToTheEndpointAndItsNode()
    {
        var (configs, problems) = ServiceChecks.ForEndpoint("shop", "web", "10.244.3.7", "node-00003", s_web, Annotations(
            ("endpoints.checks", """{"http_check": {"instances": [{"url": "http://%%host%%:%%port_http%%"}]}}"""),
            ("service.checks", """{"tcp_check": {"instances": [{"host": "%%host%%"}]}}""")), "6f1c2a7e-0000-4000-8000-000000000001");
        Assert.Empty(problems);
        var config = Assert.Single(configs);
        Assert.Equal(("http_check", """{"url":"http://10.244.3.7:8080"}""", "node-00003", "kube_endpoint_uid://shop/web/10.244.3.7", "kube_endpoints"),
            (config.CheckName, config.Instances.Single(), config.NodeName, config.ServiceId, config.Provider));
        // The node agent matches kubernetes_pod://<uid> to the pod it sees (Datadog's kube_endpoints provider).
        Assert.Equal(["kube_endpoint_uid://shop/web/10.244.3.7", "kubernetes_pod://6f1c2a7e-0000-4000-8000-000000000001"], config.AdIdentifiers);
        Assert.True(ServiceChecks.HasAnnotations("endpoints", Annotations(("endpoints.check_names", "[]"))));
        Assert.False(ServiceChecks.HasAnnotations("endpoints", Annotations(("service.checks", "{}"))));
    }

    [Fact]
    public void ConfDirectory_TakesClusterCheckInstancesOnly_AndReportsBrokenFilesAlone()
    {
        var dir = Directory.CreateTempSubdirectory("dca-confd-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "http_check.yaml"), """
                cluster_check: true
                init_config:
                  ca_certs: /etc/ssl/ca.pem
                instances:
                  - name: billing
                    url: https://billing.example.com
                    timeout: 5
                    tags: [team:billing]
                """);
            Directory.CreateDirectory(Path.Combine(dir, "tcp_check.d"));
            File.WriteAllText(Path.Combine(dir, "tcp_check.d", "conf.yaml"), """
                init_config:
                instances:
                  - name: db
                    host: db.internal
                    port: 5432
                    cluster_check: true
                  - name: local-only
                    host: localhost
                    port: "6379"
                """);
            File.WriteAllText(Path.Combine(dir, "node_only.yaml"), "init_config:\ninstances:\n  - host: localhost\n");
            File.WriteAllText(Path.Combine(dir, "broken.yaml"), "instances:\n  - name: [unclosed\n");
            File.WriteAllText(Path.Combine(dir, "README.txt"), "not a check");

            var (configs, problems) = ConfDirectory.Read(dir);
            Assert.Equal(["http_check", "tcp_check"], configs.Select(c => c.CheckName));
            Assert.Equal("""{"name":"billing","url":"https://billing.example.com","timeout":5,"tags":["team:billing"]}""", configs[0].Instances.Single());
            Assert.Equal("""{"ca_certs":"/etc/ssl/ca.pem"}""", configs[0].InitConfig);
            Assert.Equal(("file", "file:" + Path.Combine(dir, "http_check.yaml")), (configs[0].Provider, configs[0].Source));
            Assert.Equal("""{"name":"db","host":"db.internal","port":5432,"cluster_check":true}""", configs[1].Instances.Single());
            Assert.Equal("{}", configs[1].InitConfig);
            var problem = Assert.Single(problems);
            Assert.Equal(Path.Combine(dir, "broken.yaml"), problem.Origin);
            Assert.Contains("invalid YAML at line", problem.Message, StringComparison.Ordinal);

            var (_, decoded, _) = Decode(configs[1]);
            Assert.Equal("5432", Scalar(decoded[0], "port"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfDirectory_Missing_IsEmpty() =>
        Assert.Empty(ConfDirectory.Read("/nonexistent/conf.d").Configs);
}
