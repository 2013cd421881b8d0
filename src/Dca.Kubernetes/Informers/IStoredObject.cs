using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Dca.Kubernetes.Informers;

/// <summary>
/// What a reflector needs of a stored object: its store key and its version. A consumer may store its
/// own compact form (a reflector's <c>Transform</c>) rather than the Kubernetes object: 100,000
/// EndpointSlices kept as parsed objects with an <see cref="Models.ObjectMeta"/> each cost twice what
/// their packed form does.
/// </summary>
public interface IStoredObject
{
    /// <summary><c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
    string Key { get; }

    /// <summary>The object's resourceVersion as a number (<see cref="StoredVersion.Of"/>): compared for equality only.</summary>
    ulong Version { get; }
}

/// <summary>
/// A resourceVersion packed in 8 bytes instead of a ~40-byte string. Versions are opaque and compared
/// for equality only (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions).
/// Every API server backed by etcd sends decimal revisions, kept exactly (below 2^63); anything else
/// is kept as a 64-bit hash with the top bit set, so the two never meet.
/// </summary>
public static class StoredVersion
{
    private const ulong HashedBit = 1UL << 63;
    private static readonly long s_seed = Random.Shared.NextInt64();

    public static ulong Of(string? resourceVersion)
    {
        if (string.IsNullOrEmpty(resourceVersion))
        {
            return 0;
        }
        if (resourceVersion[0] is >= '1' and <= '9' && resourceVersion.Length <= 18 && IsDigits(resourceVersion))
        {
            return ulong.Parse(resourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        }
        return Hash(resourceVersion) | HashedBit;
    }

    /// <summary>A 64-bit hash of <paramref name="value"/>, seeded per process (XXH3).</summary>
    public static ulong Hash(string value) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), s_seed);

    private static bool IsDigits(string value)
    {
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>An object known by its key and version only: what a count-only informer stores.</summary>
public sealed class ObjectVersion(string key, ulong version) : IStoredObject
{
    public string Key { get; } = key;

    public ulong Version { get; } = version;

    /// <summary>The identity of <paramref name="item"/>.</summary>
    public static ObjectVersion Of(Models.IKubernetesObject item) => new(item.Metadata.Key, StoredVersion.Of(item.Metadata.ResourceVersion));
}
