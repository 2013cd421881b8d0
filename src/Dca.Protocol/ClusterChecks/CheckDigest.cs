using System.Security.Cryptography;
using System.Text;

namespace Dca.Protocol.ClusterChecks;

/// <summary>
/// A configuration's identity from its content: check name, <c>init_config</c>, instances, service id, node
/// and source. The cluster agent keys its dispatch on it, and a node agent computes the same value from
/// the configuration it received, so the costs it reports name the cluster agent's configurations.
/// </summary>
public static class CheckDigest
{
    public static string Of(string checkName, ReadOnlySpan<byte> initConfig, IReadOnlyList<byte[]> instances, string serviceId, string nodeName, string source)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, Encoding.UTF8.GetBytes(checkName));
        Append(hash, initConfig);
        hash.AppendData(BitConverter.GetBytes(instances.Count));
        foreach (var instance in instances)
        {
            Append(hash, instance);
        }
        Append(hash, Encoding.UTF8.GetBytes(serviceId));
        Append(hash, Encoding.UTF8.GetBytes(nodeName));
        Append(hash, Encoding.UTF8.GetBytes(source));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    /// <summary>Length-prefixed, so no two field sequences hash alike.</summary>
    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }
}
