using System.Globalization;
using Dca.Hosting;

namespace Dca.Node;

/// <summary>The node agent's options, under the Datadog node agent's environment variable names.</summary>
internal sealed record NodeOptions
{
    /// <summary>The Datadog agent's health port as the Helm chart sets it (<c>health_port</c>: 5555).</summary>
    public const int DefaultHealthPort = 5555;

    public static readonly OptionDefinition HealthPort = new("DD_HEALTH_PORT", "health-port",
        DefaultHealthPort.ToString(CultureInfo.InvariantCulture), "Plain-HTTP port of /live, /ready and /startup");

    public static readonly OptionDefinition BindHost = new("DD_BIND_HOST", "bind-host", "0.0.0.0",
        "Address the ports listen on (127.0.0.1 for a local run)");

    public static IReadOnlyList<OptionDefinition> Definitions { get; } =
    [
        HealthPort, BindHost, AgentLogging.LogLevelOption, AgentLogging.LogFormatJsonOption,
    ];

    public int HealthPortNumber { get; init; }

    public System.Net.IPAddress BindAddress { get; init; } = System.Net.IPAddress.Any;

    public required AgentLogging.Settings Logging { get; init; }

    public static NodeOptions Load(OptionSource source)
    {
        var address = source.IpAddress(BindHost)!;
        return new NodeOptions
        {
            HealthPortNumber = source.ListenPort(HealthPort),
            BindAddress = address,
            Logging = AgentLogging.Read(source),
        };
    }
}
