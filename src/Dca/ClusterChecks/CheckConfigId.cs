using System.Text;
using Dca.Protocol.ClusterChecks;

namespace Dca.ClusterChecks;

/// <summary>A stable identity of a configuration's content, so re-reading the same sources changes nothing; the node agent computes the same from the wire (<see cref="CheckDigest"/>).</summary>
public static class CheckConfigId
{
    public static string Of(CheckConfig config) => CheckDigest.Of(config.CheckName, Encoding.UTF8.GetBytes(config.InitConfig),
        [.. config.Instances.Select(Encoding.UTF8.GetBytes)], config.ServiceId, config.NodeName, config.Source);
}
