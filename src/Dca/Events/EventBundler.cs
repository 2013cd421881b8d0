using System.Globalization;
using System.Text;
using Dca.Protocol.Intake;
using KubeEvent = Dca.Kubernetes.Models.Event;

namespace Dca.Events;

/// <summary>
/// Datadog's bundled event format (PROTOCOL.md §5): one Datadog event per involved object (kind, UID)
/// and event type, titled <c>Events from the &lt;Kind&gt; &lt;ns&gt;/&lt;name&gt;</c>, its text a markdown
/// list of <c>&lt;count&gt; **&lt;Reason&gt;**: &lt;Message&gt;</c> lines. Events without kind, name,
/// reason or message are skipped, as Datadog does.
/// </summary>
internal static class EventBundler
{
    private static readonly Dictionary<string, string> s_kindTags = new(StringComparer.Ordinal)
    {
        ["Pod"] = "pod_name",
        ["Deployment"] = "kube_deployment",
        ["ReplicaSet"] = "kube_replica_set",
        ["StatefulSet"] = "kube_stateful_set",
        ["DaemonSet"] = "kube_daemon_set",
        ["Job"] = "kube_job",
        ["CronJob"] = "kube_cronjob",
        ["Service"] = "kube_service",
        ["Node"] = "kube_node",
    };

    public static List<IntakeEvent> Bundle(IEnumerable<KubeEvent> events, string? clusterName)
    {
        var bundles = new List<IntakeEvent>();
        var groups = events
            .Where(e => e.InvolvedObject is { Kind.Length: > 0, Name.Length: > 0 } && !string.IsNullOrEmpty(e.Reason) && !string.IsNullOrEmpty(e.Message))
            .GroupBy(e => (e.InvolvedObject!.Kind!, e.InvolvedObject.Uid ?? e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name, e.Type ?? "Normal"));
        foreach (var group in groups.OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2, StringComparer.Ordinal).ThenBy(g => g.Key.Item3, StringComparer.Ordinal))
        {
            bundles.Add(ToIntakeEvent(group.Key.Item1, group.Key.Item3, [.. group], clusterName));
        }
        return bundles;
    }

    /// <summary>
    /// The unbundled format: one Datadog event per Kubernetes event, titled
    /// <c>&lt;Kind&gt; &lt;ns&gt;/&lt;name&gt;: &lt;Reason&gt;</c>, its text the message, its source the reporting
    /// component, tagged <c>orchestrator:kubernetes</c>, <c>reporting_controller:</c> and <c>event_reason:</c>.
    /// </summary>
    public static List<IntakeEvent> Unbundled(IEnumerable<KubeEvent> events, string? clusterName)
    {
        var result = new List<IntakeEvent>();
        foreach (var e in events.Where(e => e.InvolvedObject is { Kind.Length: > 0, Name.Length: > 0 } && !string.IsNullOrEmpty(e.Reason) && !string.IsNullOrEmpty(e.Message)))
        {
            var bundled = ToIntakeEvent(e.InvolvedObject!.Kind!, e.Type ?? "Normal", [e], clusterName);
            var target = e.InvolvedObject;
            var component = e.ReportingComponent is { Length: > 0 } r ? r : e.Source?.Component ?? "kubernetes";
            result.Add(bundled with
            {
                Title = (target.Namespace is { Length: > 0 } ns ? $"{target.Kind} {ns}/{target.Name}" : $"{target.Kind} {target.Name}") + ": " + e.Reason,
                Text = e.Message!,
                SourceTypeName = component,
                Tags = [.. bundled.Tags, "orchestrator:kubernetes", "reporting_controller:" + component, "event_reason:" + e.Reason],
            });
        }
        return result;
    }

    private static IntakeEvent ToIntakeEvent(string kind, string type, List<KubeEvent> events, string? clusterName)
    {
        var target = events[0].InvolvedObject!;
        var ns = target.Namespace;
        var title = ns is { Length: > 0 } ? $"Events from the {kind} {ns}/{target.Name}" : $"Events from the {kind} {target.Name}";
        var first = events.Min(e => e.FirstTimestamp ?? When(e));
        var last = events.Max(When);
        var components = events.Select(e => e.Source?.Component ?? e.ReportingComponent).OfType<string>().Where(c => c.Length > 0)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var lines = events
            .Select(e => $"{e.Count ?? 1} **{Escape(e.Reason!)}**: {Escape(e.Message!)}")
            .Order(StringComparer.Ordinal);
        var text = new StringBuilder("%%% \n");
        text.AppendJoin('\n', lines);
        text.Append(CultureInfo.InvariantCulture,
            $"\n\n _Events emitted by the {string.Join(", ", components)} seen at {last:u} since {first:u}_ \n\n %%%");

        var tags = new List<string> { "kube_kind:" + kind, "kube_name:" + target.Name, "kubernetes_kind:" + kind, "name:" + target.Name };
        if (ns is { Length: > 0 })
        {
            tags.Add("kube_namespace:" + ns);
            tags.Add("namespace:" + ns);
        }
        if (s_kindTags.TryGetValue(kind, out var kindTag))
        {
            tags.Add(kindTag + ":" + target.Name);
        }
        tags.AddRange(components.Select(c => "source_component:" + c));
        if (clusterName is { Length: > 0 })
        {
            tags.Add("kube_cluster_name:" + clusterName);
        }
        var host = kind switch
        {
            "Pod" => events.Select(e => e.Source?.Host).FirstOrDefault(h => h is { Length: > 0 }),
            "Node" => target.Name,
            _ => null,
        };
        return new IntakeEvent
        {
            Title = title,
            Text = text.ToString(),
            DateHappened = last.ToUnixTimeSeconds(),
            Host = host is null ? null : clusterName is { Length: > 0 } ? host + "-" + clusterName : host,
            Tags = tags,
            AlertType = type == "Warning" ? "warning" : "info",
            AggregationKey = "kubernetes_apiserver:" + (target.Uid ?? ns + "/" + target.Name),
            SourceTypeName = "kubernetes",
        };
    }

    private static DateTimeOffset When(KubeEvent e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp ?? DateTimeOffset.UnixEpoch;

    // Datadog escapes "~" (markdown strike-through) in event text.
    private static string Escape(string s) => s.Replace("~", "\\~", StringComparison.Ordinal);
}
