using System.Text.Json.Nodes;

namespace Dca.Sim.Tests.Support;

/// <summary>The DatadogMetric CRD (datadoghq.com/v1alpha1) as the Datadog Helm chart ships it, printer columns included.</summary>
internal static class DatadogMetricCrd
{
    public const string Name = "datadogmetrics.datadoghq.com";

    public const string Query = "avg:nginx.net.request_per_s{kube_container_name:nginx}.rollup(60)";

    public const string Yaml = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: datadogmetrics.datadoghq.com
        spec:
          group: datadoghq.com
          names:
            kind: DatadogMetric
            listKind: DatadogMetricList
            plural: datadogmetrics
            singular: datadogmetric
          scope: Namespaced
          versions:
          - name: v1alpha1
            served: true
            storage: true
            additionalPrinterColumns:
            - jsonPath: .status.conditions[?(@.type=='Active')].status
              name: active
              type: string
            - jsonPath: .status.conditions[?(@.type=='Valid')].status
              name: valid
              type: string
            - jsonPath: .status.currentValue
              name: value
              type: string
            - jsonPath: .status.autoscalerReferences
              name: references
              type: string
            - jsonPath: .status.conditions[?(@.type=='Updated')].lastTransitionTime
              name: update time
              type: date
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      query:
                        type: string
                      externalMetricName:
                        type: string
                      maxAge:
                        type: string
                      timeWindow:
                        type: string
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
            subresources:
              status: {}

        """;

    /// <summary>The CRD as JSON; without <paramref name="statusSubresource"/> its version declares no subresources.</summary>
    public static string Json(bool statusSubresource = true, string group = "datadoghq.com", string? name = null)
    {
        var version = new JsonObject
        {
            ["name"] = "v1alpha1",
            ["served"] = true,
            ["storage"] = true,
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
            ["additionalPrinterColumns"] = new JsonArray(
                new JsonObject { ["name"] = "value", ["type"] = "string", ["jsonPath"] = ".status.currentValue" },
                new JsonObject { ["name"] = "active", ["type"] = "string", ["jsonPath"] = ".status.conditions[?(@.type=='Active')].status" }),
        };
        if (statusSubresource)
        {
            version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        }
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = name ?? "datadogmetrics." + group },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["names"] = new JsonObject { ["kind"] = "DatadogMetric", ["plural"] = "datadogmetrics", ["shortNames"] = new JsonArray("ddm") },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(version),
            },
        }.ToJsonString();
    }

    /// <summary>A DatadogMetric's JSON.</summary>
    public static string Metric(string ns, string name, string query = Query, string? labels = null, string? status = null) =>
        "{\"apiVersion\":\"datadoghq.com/v1alpha1\",\"kind\":\"DatadogMetric\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\""
        + (labels is null ? "" : ",\"labels\":" + labels) + "},\"spec\":{\"query\":\"" + query + "\"}"
        + (status is null ? "" : ",\"status\":" + status) + "}";
}
