using System.Text.Json;
using Dca.ClusterChecks;
using FsCheck;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// Datadog check annotations on Services (<c>ad.datadoghq.com/service.*</c>, <c>endpoints.*</c>), both forms, and their
/// template variables: whatever a Service carries, the result is configurations or problems naming the reason, never an
/// exception (one Service's annotations must not cost the others their checks).
/// </summary>
public sealed class AnnotationInputTests
{
    private static readonly CheckTarget s_target = new("10.96.0.12", [("http", 8080), ("metrics", 9090)], "shop");
    private static readonly CheckTarget s_headless = new(null, [], "shop");

    private static readonly string[] s_keys =
        ["service.checks", "service.check_names", "service.init_configs", "service.instances", "endpoints.checks", "endpoints.check_names", "endpoints.init_configs", "endpoints.instances"];

    private const string ValidChecks = """{"http_check": {"init_config": {"timeout": 3}, "instances": [{"url": "http://%%host%%:%%port_http%%/", "port": "%%port%%", "tags": ["a:b"]}]}}""";

    /// <summary>Every configuration and problem of a Service with <paramref name="annotations"/>, as the sources resolve them, plus its wire form.</summary>
    private static (IReadOnlyList<CheckConfig> Configs, IReadOnlyList<ConfigProblem> Problems) ResolveAll(IReadOnlyDictionary<string, string> annotations, CheckTarget target)
    {
        var (configs, problems) = ServiceChecks.ForService("shop", "web", target, annotations);
        var (endpointConfigs, endpointProblems) = ServiceChecks.ForEndpoint("shop", "web", "10.0.0.7", "node-1", target, annotations, "uid-1");
        var all = configs.Concat(endpointConfigs).Select(c => InstanceTags.Add(c, ["cluster_name:prod"])).ToList();
        foreach (var config in all)
        {
            // What node agents receive must be well-formed: the wire JSON and each instance a JSON object.
            using var wire = JsonDocument.Parse(ConfigWire.ToBytes(config));
            Assert.All(config.Instances, i => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(i).RootElement.ValueKind));
        }
        var allProblems = problems.Concat(endpointProblems).ToList();
        Assert.All(allProblems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
        return (all, allProblems);
    }

    private static Dictionary<string, string> Annotations(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => DatadogAnnotations.Prefix + p.Key, p => p.Value, StringComparer.Ordinal);

    [Theory]
    [InlineData("not JSON", """{"http_check": """, "invalid JSON")]
    [InlineData("a string", "\"http_check\"", "expected a JSON object")]
    [InlineData("check is a number", """{"http_check": 1}""", "is not a JSON object")]
    [InlineData("init_config is a list", """{"http_check": {"init_config": [], "instances": [{}]}}""", "init_config is not a JSON object")]
    [InlineData("instances hold a number", """{"http_check": {"instances": [{}, 1]}}""", "instances must be a non-empty array of JSON objects")]
    [InlineData("the same check twice", """{"http_check": {"instances": [{}]}, "http_check": {"instances": [{}]}}""", "Duplicate property 'http_check'")]
    [InlineData("an instance key twice", """{"http_check": {"instances": [{"url": "a", "url": "b"}]}}""", "Duplicate property 'url'")]
    [InlineData("an unpaired surrogate in a value", """{"http_check": {"instances": [{"url": "http://%%host%%/\ud800"}]}}""", "invalid JSON")]
    [InlineData("an unpaired surrogate in a check name", """{"\udc00": {"instances": [{}]}}""", "invalid JSON")]
    [InlineData("an unpaired surrogate in init_config", """{"http_check": {"init_config": {"x": "\ud800"}, "instances": [{}]}}""", "invalid JSON")]
    [InlineData("nested 10,000 deep", "{\"c\": {\"instances\": [{\"x\": " + "[[[[[[[[[[" + "]]]]]]]]]]" + "}]}}", "")]
    [InlineData("an unknown variable", """{"http_check": {"instances": [{"url": "%%hostname%%"}]}}""", "unknown template variable %%hostname%%")]
    [InlineData("an empty variable", """{"http_check": {"instances": [{"url": "%%%%"}]}}""", "unknown template variable %%%%")]
    [InlineData("a port index past long", """{"tcp_check": {"instances": [{"port": "%%port_99999999999999999999%%"}]}}""", "no port named or numbered")]
    [InlineData("a negative port index", """{"tcp_check": {"instances": [{"port": "%%port_-1%%"}]}}""", "no port named or numbered '-1'")]
    public void ChecksAnnotation_NastyValue_IsAProblemWithItsReason_NeverAnException(string name, string value, string reason)
    {
        if (name.StartsWith("nested", StringComparison.Ordinal))
        {
            value = "{\"c\": {\"instances\": [{\"x\": " + new string('[', 10_000) + new string(']', 10_000) + "}]}}";
            reason = "depth of 64";
        }
        var (configs, problems) = ResolveAll(Annotations(("service.checks", value), ("endpoints.checks", value)), s_target);
        Assert.Empty(configs);
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Contains(reason, p.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("names not a list", """{"a": 1}""", "[{}]", "[{}]", "is not a JSON array")]
    [InlineData("a name that is a number", "[1]", "[{}]", "[{}]", "entry 0 is not a check name")]
    [InlineData("an empty name", "[\"\"]", "[{}]", "[{}]", "entry 0 is not a check name")]
    [InlineData("an unpaired surrogate in a name", "[\"\\ud800\"]", "[{}]", "[{}]", "invalid JSON")]
    [InlineData("init_configs missing", "[\"a\"]", null, "[{}]", "init_configs is missing")]
    [InlineData("instances missing", "[\"a\"]", "[{}]", null, "instances is missing")]
    [InlineData("lengths differ", "[\"a\", \"b\"]", "[{}]", "[{}, {}]", "must have the same length (2, 1, 2)")]
    [InlineData("an instance that is a list", "[\"a\"]", "[{}]", "[[]]", "entry 0 (a) is not a JSON object")]
    [InlineData("a key twice", "[\"a\"]", "[{}]", "[{\"k\": 1, \"k\": 2}]", "Duplicate property 'k'")]
    [InlineData("an unpaired surrogate in an instance", "[\"a\"]", "[{}]", "[{\"k\": \"\\udfff\"}]", "invalid JSON")]
    public void LegacyAnnotations_NastyValues_AreAProblemWithTheirReason(string name, string names, string? inits, string? instances, string reason)
    {
        _ = name;
        var pairs = new List<(string, string)> { ("service.check_names", names) };
        if (inits is not null)
        {
            pairs.Add(("service.init_configs", inits));
        }
        if (instances is not null)
        {
            pairs.Add(("service.instances", instances));
        }
        var (configs, problems) = ResolveAll(Annotations([.. pairs]), s_target);
        Assert.Empty(configs);
        Assert.Contains(reason, Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateVariables_OddButValid_ResolveOrStayForTheNodeAgent()
    {
        var (configs, problems) = ResolveAll(Annotations(("service.checks", """
            {"c": {"instances": [{"a": "%%host", "b": "%%env_HOME%%", "c": "%%host%%%%port_0%%", "d": "%%port_1%%", "e": "100%%", "f": "%%kube_namespace%%"}]}}
            """)), s_target);
        Assert.Empty(problems);
        var instance = JsonDocument.Parse(configs[0].Instances[0]).RootElement;
        Assert.Equal(("%%host", "%%env_HOME%%", "10.96.0.128080", 9090, "100%%", "shop"), (instance.GetProperty("a").GetString(), instance.GetProperty("b").GetString(),
            instance.GetProperty("c").GetString(), instance.GetProperty("d").GetInt32(), instance.GetProperty("e").GetString(), instance.GetProperty("f").GetString()));
    }

    [Fact]
    public void HostVariable_OnAHeadlessService_IsAProblem_ForTheServiceNotTheEndpoints()
    {
        var (_, problems) = ServiceChecks.ForService("shop", "web", s_headless, Annotations(("service.checks", ValidChecks)));
        Assert.Contains("no ClusterIP", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    /// <summary>Annotations made of nasty fragments, on any subset of the eight keys.</summary>
    private static readonly Gen<Dictionary<string, string>> s_randomAnnotations =
        Gen.Zip(Gen.SubListOf(s_keys), HostileInput.Text.ArrayOf(8), static (keys, values) =>
            keys.Select((k, i) => (k, values.Length > 0 ? values[i % values.Length] : "")).ToDictionary(p => DatadogAnnotations.Prefix + p.k, p => p.Item2, StringComparer.Ordinal));

    [Fact]
    public void AnyAnnotations_ResolveToConfigsOrProblems_NeverThrow()
    {
        Check.One(HostileInput.Runs(400), Prop.ForAll(s_randomAnnotations.ToArbitrary(), annotations =>
        {
            ResolveAll(annotations, s_target);
            ResolveAll(annotations, s_headless);
        }));
    }

    [Fact]
    public void NearlyValidAnnotations_ResolveToConfigsOrProblems_NeverThrow()
    {
        var legacy = Gen.Zip(
            Gen.Zip(HostileInput.Mutated("""["http_check", "tcp_check"]"""), HostileInput.Mutated("""[{"timeout": 3}, {}]"""), static (names, inits) => (names, inits)),
            HostileInput.Mutated("""[{"url": "http://%%host%%:%%port_http%%"}, {"host": "%%host%%", "port": "%%port_0%%"}]"""),
            static (first, instances) => Annotations(("service.check_names", first.names), ("service.init_configs", first.inits), ("service.instances", instances)));
        var checks = HostileInput.Mutated(ValidChecks).Select(static v => Annotations(("service.checks", v), ("endpoints.checks", v)));
        Check.One(HostileInput.Runs(600), Prop.ForAll(Gen.OneOf(legacy, checks).ToArbitrary(), annotations =>
        {
            var (configs, problems) = ResolveAll(annotations, s_target);
            // Every check is accounted for: dispatched, or a problem says why not.
            Assert.True(configs.Count > 0 || problems.Count > 0 || annotations.Values.All(v => v.Trim() is "{}" or "[]"), "nothing and no reason for " + string.Join(" | ", annotations.Values));
        }));
    }

    [Fact]
    public void AnyTemplateString_ResolvesOrThrowsFormatException()
    {
        var ports = Gen.Zip(HostileInput.Text, Gen.Choose(-1, 70000), static (n, p) => (n, p)).ArrayOf();
        var cases = Gen.Zip(HostileInput.Text, ports, static (text, p) => (text, p));
        Check.One(HostileInput.Runs(500), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var instance = new System.Text.Json.Nodes.JsonObject { ["v"] = c.text, ["list"] = new System.Text.Json.Nodes.JsonArray(c.text, 1, null) };
            foreach (var target in new[] { new CheckTarget("10.0.0.1", c.p, "ns"), s_headless })
            {
                try
                {
                    _ = TemplateResolver.Resolve(instance, target).ToJsonString();
                }
                catch (FormatException e)
                {
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                }
            }
        }));
    }
}
