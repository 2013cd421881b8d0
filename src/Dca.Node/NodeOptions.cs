using System.Globalization;
using Dca.Hosting;
using Dca.Node.Kubelet;
using Dca.Node.Tagging;
using Dca.Protocol;
using Dca.Protocol.ClusterAgent;

namespace Dca.Node;

/// <summary>The node agent's options, under the Datadog node agent's environment variable names.</summary>
internal sealed record NodeOptions
{
    /// <summary>The Datadog agent's health port as the Helm chart sets it (<c>health_port</c>: 5555).</summary>
    public const int DefaultHealthPort = 5555;

    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static readonly OptionDefinition HealthPort = new("DD_HEALTH_PORT", "health-port",
        DefaultHealthPort.ToString(CultureInfo.InvariantCulture), "Plain-HTTP port of /live, /ready and /startup");

    public static readonly OptionDefinition OpenMetricsPort = new("DD_OPENMETRICS_PORT", null, "5001",
        "Plain-HTTP port of /metrics: the collected metrics and the agent's own, in the Prometheus text format (0: off)");

    public static readonly OptionDefinition BindHost = new("DD_BIND_HOST", "bind-host", "0.0.0.0",
        "Address the ports listen on (127.0.0.1 for a local run)");

    public static readonly OptionDefinition NodeName = new("DD_KUBERNETES_KUBELET_NODENAME", null, null,
        "This node's name (in a pod, spec.nodeName from the downward API); default: the host name");

    public static readonly OptionDefinition Hostname = new("DD_HOSTNAME", null, null,
        "Host name the metrics are reported for; default: the node name, suffixed with -<DD_CLUSTER_NAME> when set (as the Datadog agent does)");

    public static readonly OptionDefinition ClusterName = new("DD_CLUSTER_NAME", null, null,
        "Cluster name: adds kube_cluster_name and cluster_name tags");

    public static readonly OptionDefinition KubeletHost = new("DD_KUBERNETES_KUBELET_HOST", null, "localhost",
        "Kubelet address (in a pod, status.hostIP from the downward API)");

    public static readonly OptionDefinition KubeletHttpsPort = new("DD_KUBERNETES_HTTPS_KUBELET_PORT", null, "10250", "Kubelet https port");

    public static readonly OptionDefinition KubeletHttpPort = new("DD_KUBERNETES_HTTP_KUBELET_PORT", null, null,
        "Kubelet read-only http port, tried only when set and https cannot be reached (unauthenticated; 0: never)");

    public static readonly OptionDefinition KubeletTlsVerify = new("DD_KUBELET_TLS_VERIFY", null, "true", "Verify the kubelet's certificate");

    public static readonly OptionDefinition KubeletClientCa = new("DD_KUBELET_CLIENT_CA", null, null,
        "CA (PEM) of the kubelet's certificate; default: the service account's ca.crt when present, else the system store");

    public static readonly OptionDefinition KubeletClientCrt = new("DD_KUBELET_CLIENT_CRT", null, null, "Client certificate (PEM) for the kubelet, with DD_KUBELET_CLIENT_KEY");

    public static readonly OptionDefinition KubeletClientKey = new("DD_KUBELET_CLIENT_KEY", null, null, "Client key (PEM) for the kubelet");

    public static readonly OptionDefinition KubeletTokenPath = new("DD_KUBELET_AUTH_TOKEN_PATH", null, null,
        "File with the kubelet bearer token (re-read when it changes); default: the service-account token when present");

    public static readonly OptionDefinition ClusterAgentEnabled = new("DD_CLUSTER_AGENT_ENABLED", null, "true",
        "Tag with the cluster agent's metadata (kube_service, node and namespace labels)");

    public static readonly OptionDefinition ClusterAgentUrl = new("DD_CLUSTER_AGENT_URL", null, null,
        "Cluster agent URL (https; no scheme means https); default: the Service from DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME");

    public static readonly OptionDefinition ClusterAgentService = new("DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME", null, ClusterAgentEndpoint.DefaultServiceName,
        "Service of the cluster agent: its <NAME>_SERVICE_HOST/_PORT environment variables give the address");

    public static readonly OptionDefinition ClusterAgentToken = new("DD_CLUSTER_AGENT_AUTH_TOKEN", null, null,
        "The cluster agent's token (at least 32 characters)", IsSecret: true);

    public static readonly OptionDefinition ClusterAgentVerifyTls = new("DD_CLUSTER_TRUST_CHAIN_ENABLE_TLS_VERIFICATION", null, "false",
        "Verify the cluster agent's certificate (off by default, like the Datadog node agent)");

    public static readonly OptionDefinition ClusterAgentCa = new("DD_CLUSTER_TRUST_CHAIN_CA_CERT_FILE_PATH", null, null,
        "CA (PEM) to verify the cluster agent's certificate with");

    public static readonly OptionDefinition ClusterAgentReconnect = new("DD_CLUSTER_AGENT_CLIENT_RECONNECT_PERIOD_SECONDS", null, "1200",
        "Reconnect to the cluster agent after this many seconds, so node agents spread over its replicas");

    public static readonly OptionDefinition MetadataFrequency = new("DD_KUBERNETES_METADATA_TAG_UPDATE_FREQ", null, "60",
        "Seconds between polls of the cluster agent's metadata for this node");

    public static readonly OptionDefinition PodLabelsAsTags = new("DD_KUBERNETES_POD_LABELS_AS_TAGS", null, null,
        "JSON map of pod label to tag name, e.g. {\"app\":\"kube_app\"} (globs and %%label%% allowed)");

    public static readonly OptionDefinition NamespaceLabelsAsTags = new("DD_KUBERNETES_NAMESPACE_LABELS_AS_TAGS", null, null,
        "JSON map of namespace label to tag name (the labels come from the cluster agent)");

    public static readonly OptionDefinition NodeLabelsAsTags = new("DD_KUBERNETES_NODE_LABELS_AS_TAGS", null, "{\"kubernetes.io/role\":\"kube_node_role\"}",
        "JSON map of node label to tag name (the labels come from the cluster agent)");

    public static readonly OptionDefinition IgnoreReadiness = new("DD_KUBERNETES_KUBE_SERVICE_IGNORE_READINESS", null, "false",
        "Tag pods that are not Ready with their Services too");

    public static readonly OptionDefinition CheckInterval = new("DD_CHECK_INTERVAL", null, "15", "Seconds between kubelet collections");

    public static readonly OptionDefinition TrimWorkingSetOption = new("DCA_TRIM_WORKING_SET", null, "true",
        "After the first collection, give back memory only start-up used");

    public static readonly OptionDefinition ExtraConfigProviders = new("DD_EXTRA_CONFIG_PROVIDERS", null, null,
        "Config providers, space-separated: clusterchecks runs the checks the cluster agent dispatches here, endpointschecks the checks of this node's pods' endpoints");

    public static readonly OptionDefinition AutoscalingFailover = new("DD_AUTOSCALING_FAILOVER_ENABLED", null, "false",
        "Also push the DD_AUTOSCALING_FAILOVER_METRICS series to the cluster agent, which serves them as external metrics to the Horizontal Pod Autoscaler");

    public static readonly OptionDefinition AutoscalingFailoverMetrics = new("DD_AUTOSCALING_FAILOVER_METRICS", null, "kubernetes.cpu.usage.total kubernetes.memory.usage",
        "Metrics pushed to the cluster agent with DD_AUTOSCALING_FAILOVER_ENABLED (space-separated)");

    public static IReadOnlyList<OptionDefinition> Definitions { get; } =
    [
        HealthPort, OpenMetricsPort, BindHost, NodeName, Hostname, ClusterName,
        KubeletHost, KubeletHttpsPort, KubeletHttpPort, KubeletTlsVerify, KubeletClientCa, KubeletClientCrt, KubeletClientKey, KubeletTokenPath,
        ClusterAgentEnabled, ClusterAgentUrl, ClusterAgentService, ClusterAgentToken, ClusterAgentVerifyTls, ClusterAgentCa, ClusterAgentReconnect,
        ExtraConfigProviders, AutoscalingFailover, AutoscalingFailoverMetrics, MetadataFrequency, PodLabelsAsTags, NamespaceLabelsAsTags, NodeLabelsAsTags, IgnoreReadiness, CheckInterval,
        IntakeOptions.ApiKey, IntakeOptions.Site, IntakeOptions.DdUrl, TrimWorkingSetOption, AgentLogging.LogLevelOption, AgentLogging.LogFormatJsonOption,
    ];

    public int HealthPortNumber { get; init; }

    /// <summary>0 when the OpenMetrics endpoint is off.</summary>
    public int OpenMetricsPortNumber { get; init; }

    public System.Net.IPAddress BindAddress { get; init; } = System.Net.IPAddress.Any;

    public required AgentLogging.Settings Logging { get; init; }

    public string Node { get; init; } = "";

    public string Host { get; init; } = "";

    public string? Cluster { get; init; }

    public required KubeletClientOptions Kubelet { get; init; }

    /// <summary>Null when the cluster agent is not used (<c>DD_CLUSTER_AGENT_ENABLED=false</c>).</summary>
    public ClusterAgentClientOptions? ClusterAgent { get; init; }

    public TimeSpan MetadataPeriod { get; init; } = TimeSpan.FromSeconds(60);

    public TaggerSettings Tagging { get; init; } = new();

    public LabelsAsTags NodeLabels { get; init; } = LabelsAsTags.None;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    public string? ApiKeyValue { get; init; }

    public Uri IntakeUri { get; init; } = new("https://api.datadoghq.com/");

    public bool TrimWorkingSet { get; init; } = true;

    /// <summary><c>clusterchecks</c> in <c>DD_EXTRA_CONFIG_PROVIDERS</c>.</summary>
    public bool ClusterChecks { get; init; }

    /// <summary><c>endpointschecks</c> in <c>DD_EXTRA_CONFIG_PROVIDERS</c>.</summary>
    public bool EndpointsChecks { get; init; }

    /// <summary>The metrics pushed to the cluster agent (<c>DD_AUTOSCALING_FAILOVER_*</c>); empty when off.</summary>
    public IReadOnlyList<string> PushedMetrics { get; init; } = [];

    public static NodeOptions Load(OptionSource source) => Load(source, File.Exists);

    public static NodeOptions Load(OptionSource source, Func<string, bool> fileExists)
    {
        var node = source.OptionalString(NodeName) ?? Environment.MachineName;
        var cluster = source.OptionalString(ClusterName);
        if (cluster is not null && !IsValidClusterName(cluster))
        {
            throw source.Invalid(ClusterName, cluster, "expected at most 40 lower-case letters, digits, '-' and '.', starting with a letter (the Datadog agent's rule)");
        }
        var options = new NodeOptions
        {
            HealthPortNumber = source.ListenPort(HealthPort),
            OpenMetricsPortNumber = source.Port(OpenMetricsPort),
            BindAddress = source.IpAddress(BindHost)!,
            Logging = AgentLogging.Read(source),
            Node = node,
            Cluster = cluster,
            Host = source.OptionalString(Hostname) ?? (cluster is null ? node : node + "-" + cluster),
            Kubelet = ReadKubelet(source, fileExists),
            ClusterAgent = source.Bool(ClusterAgentEnabled) ? ReadClusterAgent(source) : null,
            MetadataPeriod = source.Seconds(MetadataFrequency, 1, 86_400),
            Tagging = new TaggerSettings
            {
                PodLabels = Labels(source, PodLabelsAsTags),
                NamespaceLabels = Labels(source, NamespaceLabelsAsTags),
                IgnoreReadiness = source.Bool(IgnoreReadiness),
            },
            NodeLabels = Labels(source, NodeLabelsAsTags),
            Interval = source.Seconds(CheckInterval, 1, 3_600),
            ApiKeyValue = source.OptionalString(IntakeOptions.ApiKey),
            IntakeUri = IntakeOptions.ReadUri(source, Protocol.Intake.IntakeSinkOptions.Resolve),
            TrimWorkingSet = source.Bool(TrimWorkingSetOption),
        };
        var providers = (source.OptionalString(ExtraConfigProviders) ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var provider in providers)
        {
            switch (provider.ToLowerInvariant())
            {
                case "clusterchecks":
                    options = options with { ClusterChecks = true };
                    break;
                case "endpointschecks":
                    options = options with { EndpointsChecks = true };
                    break;
                default:
                    // Datadog's other providers (kubelet, docker, ...) are autodiscovery sources this agent does not have: ignored.
                    break;
            }
        }
        if (source.Bool(AutoscalingFailover))
        {
            if (options.ClusterAgent is null)
            {
                throw source.Invalid(AutoscalingFailover, "true", "pushing series needs the cluster agent (DD_CLUSTER_AGENT_ENABLED=true)");
            }
            options = options with
            {
                PushedMetrics = source.String(AutoscalingFailoverMetrics).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
        }
        if ((options.ClusterChecks || options.EndpointsChecks) && options.ClusterAgent is null)
        {
            throw source.Invalid(ExtraConfigProviders, source.OptionalString(ExtraConfigProviders), "clusterchecks and endpointschecks need the cluster agent (DD_CLUSTER_AGENT_ENABLED=true)");
        }
        if (options.OpenMetricsPortNumber != 0 && options.OpenMetricsPortNumber == options.HealthPortNumber)
        {
            throw source.Invalid(OpenMetricsPort, options.OpenMetricsPortNumber.ToString(CultureInfo.InvariantCulture), "DD_HEALTH_PORT and DD_OPENMETRICS_PORT must differ");
        }
        return options;
    }

    private static KubeletClientOptions ReadKubelet(OptionSource source, Func<string, bool> fileExists)
    {
        var httpPort = source.OptionalString(KubeletHttpPort) is null ? 0 : source.Port(KubeletHttpPort);
        var crt = source.OptionalString(KubeletClientCrt);
        var key = source.OptionalString(KubeletClientKey);
        if ((crt is null) != (key is null))
        {
            throw source.Invalid(crt is null ? KubeletClientCrt : KubeletClientKey, null, "DD_KUBELET_CLIENT_CRT and DD_KUBELET_CLIENT_KEY go together");
        }
        var saCa = Path.Combine(ServiceAccountDirectory, "ca.crt");
        var saToken = Path.Combine(ServiceAccountDirectory, "token");
        return new KubeletClientOptions
        {
            Host = source.String(KubeletHost),
            HttpsPort = source.ListenPort(KubeletHttpsPort),
            HttpPort = httpPort > 0 ? httpPort : null,
            VerifyTls = source.Bool(KubeletTlsVerify),
            CaFile = ExistingFile(source, KubeletClientCa, fileExists) ?? (fileExists(saCa) ? saCa : null),
            ClientCertFile = ExistingFile(source, KubeletClientCrt, fileExists),
            ClientKeyFile = ExistingFile(source, KubeletClientKey, fileExists),
            TokenFile = ExistingFile(source, KubeletTokenPath, fileExists) ?? (fileExists(saToken) ? saToken : null),
            UserAgent = "dca-node/" + AgentProgram.ProductVersion.Split('+')[0],
        };
    }

    private static ClusterAgentClientOptions ReadClusterAgent(OptionSource source)
    {
        Uri endpoint;
        try
        {
            endpoint = ClusterAgentEndpoint.Resolve(source.OptionalString(ClusterAgentUrl), source.OptionalString(ClusterAgentService), source.Environment);
        }
        catch (ArgumentException e)
        {
            throw new OptionException("invalid cluster agent address: " + e.Message + " (or DD_CLUSTER_AGENT_ENABLED=false to run without it)");
        }
        var token = source.OptionalString(ClusterAgentToken)
            ?? throw source.Invalid(ClusterAgentToken, null, "the cluster agent's token is required (or DD_CLUSTER_AGENT_ENABLED=false)");
        if (token.Length < ClusterAgentRoutes.MinimumTokenLength)
        {
            throw source.Invalid(ClusterAgentToken, null, $"must be at least {ClusterAgentRoutes.MinimumTokenLength} characters (the cluster agent refuses shorter ones)");
        }
        var verify = source.Bool(ClusterAgentVerifyTls);
        return new ClusterAgentClientOptions
        {
            Endpoint = endpoint,
            Token = token,
            VerifyTls = verify,
            CaFile = verify ? ExistingFile(source, ClusterAgentCa, File.Exists) : null,
            ReconnectPeriod = source.Seconds(ClusterAgentReconnect, 1, 86_400),
            UserAgent = "dca-node/" + AgentProgram.ProductVersion.Split('+')[0],
        };
    }

    private static string? ExistingFile(OptionSource source, OptionDefinition option, Func<string, bool> fileExists)
    {
        var path = source.OptionalString(option);
        return path is null || fileExists(path) ? path : throw source.Invalid(option, path, "no such file");
    }

    private static LabelsAsTags Labels(OptionSource source, OptionDefinition option)
    {
        try
        {
            return LabelsAsTags.Parse(source.OptionalString(option));
        }
        catch (FormatException e)
        {
            throw source.Invalid(option, source.OptionalString(option), e.Message);
        }
    }

    /// <summary>
    /// The Datadog agent's cluster-name rule: at most 40 characters, dot-separated labels of lower-case
    /// letters, digits and '-', each starting with a letter and not ending with '-'.
    /// </summary>
    internal static bool IsValidClusterName(string name) =>
        name.Length is > 0 and <= 40 && name.Split('.').All(label =>
            label.Length > 0 && char.IsAsciiLetterLower(label[0]) && label[^1] != '-'
            && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'));

    // Records print every property: keep the token and the API key out of any ToString.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051", Justification = "Called by the record's synthesized ToString.")]
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Node = ").Append(Node).Append(", secrets redacted");
        return true;
    }
}
