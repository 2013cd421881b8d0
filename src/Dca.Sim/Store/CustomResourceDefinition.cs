using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dca.Sim.Store;

/// <summary>
/// What the apiextensions server does with a CustomResourceDefinition object, without its
/// controllers: validation (a 422 worded like the real one), the spec defaults clients see
/// (<c>names.singular</c>, <c>names.listKind</c>, <c>conversion.strategy</c>), the status it settles on at
/// once (accepted names, <c>NamesAccepted</c> and <c>Established</c> True, <c>storedVersions</c>), and the
/// <see cref="ResourceType"/> each served version becomes. Schemas are stored but never applied.
/// See https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/.
/// </summary>
internal static class CustomResourceDefinition
{
    private static readonly string[] PrinterColumnTypes = ["integer", "number", "string", "boolean", "date"];

    /// <summary>
    /// Validates <paramref name="crd"/> (named <paramref name="name"/>), applies the defaults and writes its
    /// status; <paramref name="stored"/> is the current object on an update (the scope is immutable, and
    /// condition times and stored versions carry over).
    /// </summary>
    /// <exception cref="StatusException">422 Invalid listing every problem found.</exception>
    public static void Prepare(JsonObject crd, string name, JsonObject? stored, DateTimeOffset now)
    {
        Validate(crd, name, stored);
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var kind = ObjectStore.Text(names["kind"])!;
        names["singular"] ??= kind.ToLowerInvariant();
        names["listKind"] ??= kind + "List";
        spec["conversion"] ??= new JsonObject { ["strategy"] = "None" };
        crd["status"] = Status(names, spec, stored?["status"] as JsonObject, ObjectStore.Timestamp(now));
    }

    /// <summary>One resource type per version with <c>served: true</c>, in the CRD's order.</summary>
    public static List<ResourceType> TypesOf(JsonObject crd, string crdName)
    {
        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = ObjectStore.Text(spec?["group"]) ?? "";
        var plural = ObjectStore.Text(names?["plural"]) ?? "";
        var kind = ObjectStore.Text(names?["kind"]) ?? "";
        var namespaced = ObjectStore.Text(spec?["scope"]) == "Namespaced";
        var shortNames = Strings(names?["shortNames"]);
        var categories = Strings(names?["categories"]);
        var types = new List<ResourceType>();
        foreach (var version in (spec?["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ObjectStore.Text(version["name"]) is not { Length: > 0 } versionName || version["served"]?.GetValueKind() != JsonValueKind.True)
            {
                continue;
            }
            var status = version["subresources"] is JsonObject subresources && subresources["status"] is JsonObject;
            types.Add(new ResourceType(group, versionName, plural, kind, namespaced, shortNames, categories: categories,
                statusSubresource: status, printerColumns: PrinterColumns(version), definedBy: crdName));
        }
        return types;
    }

    private static void Validate(JsonObject crd, string name, JsonObject? stored)
    {
        var errors = new List<StatusCause>();
        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = ObjectStore.Text(spec?["group"]);
        var plural = ObjectStore.Text(names?["plural"]);
        var scope = ObjectStore.Text(spec?["scope"]);
        if (string.IsNullOrEmpty(group))
        {
            errors.Add(Cause("spec.group: Required value"));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(Cause($"spec.group: Invalid value: \"{group}\": should be a domain with at least one dot"));
        }
        if (string.IsNullOrEmpty(plural))
        {
            errors.Add(Cause("spec.names.plural: Required value"));
        }
        if (string.IsNullOrEmpty(ObjectStore.Text(names?["kind"])))
        {
            errors.Add(Cause("spec.names.kind: Required value"));
        }
        if (!string.IsNullOrEmpty(group) && !string.IsNullOrEmpty(plural) && name != plural + "." + group)
        {
            errors.Add(Cause($"metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"));
        }
        if (string.IsNullOrEmpty(scope))
        {
            errors.Add(Cause("spec.scope: Required value"));
        }
        else if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(Cause($"spec.scope: Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""));
        }
        else if (stored is not null && ObjectStore.Text((stored["spec"] as JsonObject)?["scope"]) is { } storedScope && storedScope != scope)
        {
            errors.Add(Cause($"spec.scope: Invalid value: \"{scope}\": field is immutable"));
        }
        ValidateVersions(spec?["versions"] as JsonArray, errors);
        if (errors.Count > 0)
        {
            throw StatusException.Invalid(ResourceTypes.CustomResourceDefinitions, name, errors);
        }
    }

    private static void ValidateVersions(JsonArray? versions, List<StatusCause> errors)
    {
        if (versions is null || versions.Count == 0)
        {
            errors.Add(Cause("spec.versions: Required value: must have at least one version"));
            return;
        }
        var storage = 0;
        for (var i = 0; i < versions.Count; i++)
        {
            var version = versions[i] as JsonObject;
            if (string.IsNullOrEmpty(ObjectStore.Text(version?["name"])))
            {
                errors.Add(Cause($"spec.versions[{i}].name: Required value"));
            }
            if (version?["storage"]?.GetValueKind() == JsonValueKind.True)
            {
                storage++;
            }
            var columns = version?["additionalPrinterColumns"] as JsonArray ?? [];
            for (var c = 0; c < columns.Count; c++)
            {
                var column = columns[c] as JsonObject;
                var at = $"spec.versions[{i}].additionalPrinterColumns[{c}]";
                if (string.IsNullOrEmpty(ObjectStore.Text(column?["name"])))
                {
                    errors.Add(Cause(at + ".name: Required value"));
                }
                if (string.IsNullOrEmpty(ObjectStore.Text(column?["jsonPath"])))
                {
                    errors.Add(Cause(at + ".jsonPath: Required value"));
                }
                var type = ObjectStore.Text(column?["type"]);
                if (string.IsNullOrEmpty(type))
                {
                    errors.Add(Cause(at + ".type: Required value"));
                }
                else if (!PrinterColumnTypes.Contains(type))
                {
                    errors.Add(Cause($"{at}.type: Unsupported value: \"{type}\": supported values: \"boolean\", \"date\", \"integer\", \"number\", \"string\""));
                }
            }
        }
        if (storage != 1)
        {
            errors.Add(Cause("spec.versions: Invalid value: must have exactly one version marked as storage version"));
        }
    }

    /// <summary>A cause from <c>field: message</c>, its reason read off the message as the real field errors word them.</summary>
    private static StatusCause Cause(string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        var (field, message) = (error[..colon], error[(colon + 2)..]);
        var reason = message.StartsWith("Required value", StringComparison.Ordinal) ? "FieldValueRequired"
            : message.StartsWith("Unsupported value", StringComparison.Ordinal) ? "FieldValueNotSupported"
            : "FieldValueInvalid";
        return new StatusCause(reason, message, field);
    }

    private static JsonObject Status(JsonObject names, JsonObject spec, JsonObject? previous, string now)
    {
        var accepted = new JsonObject
        {
            ["plural"] = names["plural"]!.DeepClone(),
            ["singular"] = names["singular"]!.DeepClone(),
        };
        if (names["shortNames"] is JsonArray shortNames)
        {
            accepted["shortNames"] = shortNames.DeepClone();
        }
        accepted["kind"] = names["kind"]!.DeepClone();
        accepted["listKind"] = names["listKind"]!.DeepClone();
        if (names["categories"] is JsonArray categories)
        {
            accepted["categories"] = categories.DeepClone();
        }
        var previousConditions = (previous?["conditions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            // A condition's time is when it last changed: kept across updates, as the controllers keep it.
            ["lastTransitionTime"] = previousConditions.FirstOrDefault(c => ObjectStore.Text(c["type"]) == type)?["lastTransitionTime"]?.DeepClone() ?? now,
            ["reason"] = reason,
            ["message"] = message,
        };
        var storedVersions = Strings(previous?["storedVersions"]).ToList();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["storage"]?.GetValueKind() == JsonValueKind.True && ObjectStore.Text(version["name"]) is { } v && !storedVersions.Contains(v))
            {
                storedVersions.Add(v);
            }
        }
        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
            ["acceptedNames"] = accepted,
            ["storedVersions"] = new JsonArray([.. storedVersions.Select(v => (JsonNode?)v)]),
        };
    }

    private static List<PrinterColumn> PrinterColumns(JsonObject version)
    {
        var columns = new List<PrinterColumn>();
        foreach (var c in (version["additionalPrinterColumns"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var priority = c["priority"] is JsonValue p && p.GetValueKind() == JsonValueKind.Number && p.TryGetValue<int>(out var n) ? n : 0;
            columns.Add(new PrinterColumn(ObjectStore.Text(c["name"]) ?? "", ObjectStore.Text(c["type"]) ?? "string", ObjectStore.Text(c["format"]) ?? "",
                ObjectStore.Text(c["description"]) ?? "", priority, ObjectStore.Text(c["jsonPath"]) ?? ""));
        }
        return columns;
    }

    private static string[] Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(ObjectStore.Text).OfType<string>()] : [];
}
