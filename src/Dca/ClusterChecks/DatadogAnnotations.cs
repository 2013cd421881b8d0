using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dca.ClusterChecks;

/// <summary>
/// Check templates from a Service's Datadog annotations, for <c>service</c> checks (run against the
/// ClusterIP) or <c>endpoints</c> checks (run against each endpoint, on its pod's node):
/// <list type="bullet">
/// <item><c>ad.datadoghq.com/&lt;kind&gt;.checks</c>: <c>{"&lt;check&gt;": {"init_config": {...}, "instances": [{...}]}}</c>;</item>
/// <item>the older <c>&lt;kind&gt;.check_names</c>, <c>&lt;kind&gt;.init_configs</c>, <c>&lt;kind&gt;.instances</c>: JSON arrays of
/// equal length, the i-th instance belonging to the i-th check.</item>
/// </list>
/// When both are present the first wins, as in Datadog's agent. Malformed annotations give problems, never exceptions.
/// </summary>
public static class DatadogAnnotations
{
    public const string Prefix = "ad.datadoghq.com/";

    /// <summary>
    /// A repeated key is refused rather than left to <see cref="JsonObject"/>, which throws an <see cref="ArgumentException"/>
    /// when it meets one (Go's decoder would keep the last; which one the writer meant is anyone's guess).
    /// </summary>
    private static readonly JsonDocumentOptions s_strict = new() { AllowDuplicateProperties = false };

    public static (IReadOnlyList<CheckTemplate> Templates, IReadOnlyList<string> Problems) Parse(string kind, IReadOnlyDictionary<string, string> annotations)
    {
        var problems = new List<string>();
        var templates = new List<CheckTemplate>();
        var checksKey = $"{Prefix}{kind}.checks";
        if (annotations.TryGetValue(checksKey, out var checks))
        {
            try
            {
                if (JsonNode.Parse(checks, documentOptions: s_strict) is not JsonObject byName)
                {
                    throw new FormatException("expected a JSON object of check name -> {\"init_config\", \"instances\"}");
                }
                foreach (var (name, value) in byName)
                {
                    if (value is not JsonObject check)
                    {
                        problems.Add($"{checksKey}: check '{name}' is not a JSON object");
                        continue;
                    }
                    var init = check["init_config"];
                    if (init is not null and not JsonObject)
                    {
                        problems.Add($"{checksKey}: check '{name}': init_config is not a JSON object");
                        continue;
                    }
                    if (check["instances"] is not JsonArray instances || instances.Count == 0 || instances.Any(i => i is not JsonObject))
                    {
                        problems.Add($"{checksKey}: check '{name}': instances must be a non-empty array of JSON objects");
                        continue;
                    }
                    templates.Add(new CheckTemplate(name, (JsonObject?)init?.DeepClone(), [.. instances.Select(i => (JsonObject)i!.DeepClone())]));
                }
            }
            catch (Exception e) when (IsInputError(e))
            {
                problems.Add($"{checksKey}: {Reason(e)}");
            }
            return (templates, problems);
        }
        var namesKey = $"{Prefix}{kind}.check_names";
        if (!annotations.TryGetValue(namesKey, out var names))
        {
            return (templates, problems);
        }
        var initKey = $"{Prefix}{kind}.init_configs";
        var instancesKey = $"{Prefix}{kind}.instances";
        try
        {
            var nameList = Array(namesKey, names);
            var initList = Array(initKey, annotations.GetValueOrDefault(initKey) ?? throw new FormatException($"{initKey} is missing"));
            var instanceList = Array(instancesKey, annotations.GetValueOrDefault(instancesKey) ?? throw new FormatException($"{instancesKey} is missing"));
            if (nameList.Count != initList.Count || nameList.Count != instanceList.Count)
            {
                throw new FormatException($"{namesKey}, {initKey} and {instancesKey} must have the same length ({nameList.Count}, {initList.Count}, {instanceList.Count})");
            }
            for (var i = 0; i < nameList.Count; i++)
            {
                if (nameList[i] is not JsonValue v || !v.TryGetValue<string>(out var name) || name.Length == 0)
                {
                    problems.Add($"{namesKey}: entry {i} is not a check name");
                    continue;
                }
                if (initList[i] is not (null or JsonObject) || instanceList[i] is not JsonObject instance)
                {
                    problems.Add($"{initKey}/{instancesKey}: entry {i} ({name}) is not a JSON object");
                    continue;
                }
                templates.Add(new CheckTemplate(name, (JsonObject?)initList[i]?.DeepClone(), [(JsonObject)instance.DeepClone()]));
            }
        }
        catch (Exception e) when (IsInputError(e))
        {
            problems.Add(Reason(e));
        }
        return (templates, problems);
    }

    private static JsonArray Array(string key, string value) =>
        JsonNode.Parse(value, documentOptions: s_strict) as JsonArray ?? throw new FormatException($"{key} is not a JSON array");

    /// <summary>
    /// What malformed annotation text can raise. <see cref="InvalidOperationException"/>: a key holding an unpaired surrogate
    /// escape (<c>"\ud800"</c>) is valid JSON that cannot be read as text. <see cref="ArgumentException"/>: the annotation
    /// itself holds an unpaired surrogate, which cannot be read as UTF-8.
    /// </summary>
    internal static bool IsInputError(Exception e) => e is JsonException or FormatException or InvalidOperationException or ArgumentException;

    internal static string Reason(Exception e) => e is FormatException ? e.Message : "invalid JSON: " + e.Message.Split(" Path:")[0];
}
