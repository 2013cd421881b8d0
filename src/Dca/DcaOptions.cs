using Dca.Hosting;
using Dca.Protocol;

namespace Dca;

/// <summary>
/// The cluster agent's options, read from the Datadog cluster agent's environment variables (so its
/// manifests keep working) and a few flags. Every default is documented in <see cref="Definitions"/>.
/// </summary>
internal sealed record DcaOptions
{
    public static readonly OptionDefinition Kubeconfig = new(null, "kubeconfig", null,
        "Kubeconfig file to reach the API server (else KUBECONFIG, else the pod's service account, else ~/.kube/config)");

    public static readonly OptionDefinition Context = new(null, "context", null, "Kubeconfig context (default: current-context)");

    public static readonly OptionDefinition CommandPort = new("DD_CLUSTER_AGENT_CMD_PORT", "cmd-port",
        ClusterAgentRoutes.DefaultCommandPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "HTTPS port of the node-agent API");

    public static readonly OptionDefinition HealthPort = new("DD_HEALTH_PORT", "health-port",
        ClusterAgentRoutes.DefaultHealthPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "Plain-HTTP port of /live, /ready and /startup");

    public static readonly OptionDefinition MetricsPort = new("DD_METRICS_PORT", "metrics-port",
        ClusterAgentRoutes.DefaultMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "Plain-HTTP port of the Prometheus /metrics endpoint");

    public static readonly OptionDefinition BindHost = new("DD_BIND_HOST", "bind-host", "0.0.0.0",
        "Address the ports listen on (127.0.0.1 for a local run)");

    public static readonly OptionDefinition ClusterName = new("DD_CLUSTER_NAME", null, null, "Cluster name added to tags and events");

    public static IReadOnlyList<OptionDefinition> Definitions { get; } =
    [
        Kubeconfig, Context, CommandPort, HealthPort, MetricsPort, BindHost, ClusterName,
        AgentLogging.LogLevelOption, AgentLogging.LogFormatJsonOption,
    ];

    public string? KubeconfigPath { get; init; }

    public string? KubeContext { get; init; }

    public int CommandPortNumber { get; init; }

    public int HealthPortNumber { get; init; }

    public int MetricsPortNumber { get; init; }

    public System.Net.IPAddress BindAddress { get; init; } = System.Net.IPAddress.Any;

    public string? ClusterNameValue { get; init; }

    public required AgentLogging.Settings Logging { get; init; }

    /// <summary>Reads and validates every option; the first bad one throws <see cref="OptionException"/>.</summary>
    public static DcaOptions Load(OptionSource source)
    {
        var bind = source.String(BindHost);
        if (!System.Net.IPAddress.TryParse(bind, out var address))
        {
            throw source.Invalid(BindHost, bind, "expected an IP address");
        }
        var options = new DcaOptions
        {
            KubeconfigPath = source.OptionalString(Kubeconfig),
            KubeContext = source.OptionalString(Context),
            CommandPortNumber = source.Port(CommandPort),
            HealthPortNumber = source.Port(HealthPort),
            MetricsPortNumber = source.Port(MetricsPort),
            BindAddress = address,
            ClusterNameValue = source.OptionalString(ClusterName),
            Logging = AgentLogging.Read(source),
        };
        var ports = new[] { (CommandPort, options.CommandPortNumber), (HealthPort, options.HealthPortNumber), (MetricsPort, options.MetricsPortNumber) }
            .Where(p => p.Item2 != 0).ToList();
        foreach (var group in ports.GroupBy(p => p.Item2).Where(g => g.Count() > 1))
        {
            var names = string.Join(" and ", group.Select(p => p.Item1.DisplayName));
            throw new OptionException($"invalid {group.Last().Item1.DisplayName}=\"{group.Key}\": {names} must differ");
        }
        return options;
    }
}
