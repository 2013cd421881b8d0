using System.Text;
using System.Text.Json;

namespace Dca.ClusterChecks;

/// <summary>
/// Writes a <see cref="CheckConfig"/> as Datadog's node agent decodes it (Go <c>integration.Config</c>,
/// PROTOCOL.md §7): every field present, <c>instances</c> and <c>init_config</c> as base64 of their YAML
/// (Go encodes <c>[]byte</c> so), the fields this agent has no value for as Go's zero values. As Datadog's
/// dispatcher patches them: <c>cluster_check</c> false, and no AD identifiers for cluster checks (a node agent
/// takes a configuration with AD identifiers for a template to match).
/// </summary>
public static class ConfigWire
{
    public static byte[] ToBytes(CheckConfig config)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, config);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter w, CheckConfig config)
    {
        w.WriteStartObject();
        w.WriteString("check_name", config.CheckName);
        w.WriteStartArray("instances");
        foreach (var instance in config.Instances)
        {
            w.WriteBase64StringValue(Encoding.UTF8.GetBytes(instance));
        }
        w.WriteEndArray();
        w.WriteBase64String("init_config", Encoding.UTF8.GetBytes(config.InitConfig));
        w.WriteNull("metric_config");
        w.WriteNull("logs");
        if (config.AdIdentifiers.Count == 0)
        {
            w.WriteNull("ad_identifiers");
        }
        else
        {
            w.WriteStartArray("ad_identifiers");
            foreach (var id in config.AdIdentifiers)
            {
                w.WriteStringValue(id);
            }
            w.WriteEndArray();
        }
        w.WriteNull("advanced_ad_identifiers");
        w.WriteString("provider", config.Provider);
        w.WriteString("service_id", config.ServiceId);
        // Cleared as Datadog's dispatcher does: node agents schedule only configurations that are not cluster checks.
        w.WriteBoolean("cluster_check", false);
        w.WriteString("node_name", config.NodeName);
        w.WriteString("source", config.Source);
        w.WriteBoolean("ignore_autodiscovery_tags", false);
        w.WriteString("check_tag_cardinality", "");
        w.WriteBoolean("metrics_excluded", false);
        w.WriteBoolean("logs_excluded", false);
        w.WriteEndObject();
    }
}
