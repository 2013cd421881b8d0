using System.Security.Cryptography;
using System.Text;

namespace Dca.ClusterChecks;

/// <summary>A stable identity of a configuration's content (check, instances, init_config, service, node), so re-reading the same sources changes nothing.</summary>
public static class CheckConfigId
{
    public static string Of(CheckConfig config)
    {
        var text = new StringBuilder()
            .Append(config.CheckName).Append('\n')
            .Append(config.InitConfig).Append('\n')
            .AppendJoin('\n', config.Instances).Append('\n')
            .Append(config.ServiceId).Append('\n')
            .Append(config.NodeName).Append('\n')
            .Append(config.Source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 8));
    }
}
