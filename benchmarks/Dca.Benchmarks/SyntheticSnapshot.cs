using System.Globalization;
using Dca.Metadata;

namespace Dca.Benchmarks;

/// <summary>A snapshot shaped like the 5k profile's, built without an API server; bodies stored as the builder stores them.</summary>
internal static class SyntheticSnapshot
{
    public static ClusterSnapshot Build(int nodes, int podsPerNode)
    {
        var entries = new ShardedMap<NodeEntry>.Builder();
        for (var n = 0; n < nodes; n++)
        {
            var name = "node-" + n.ToString("D5", CultureInfo.InvariantCulture);
            var pods = Enumerable.Range(0, podsPerNode)
                .Select(p => new Membership("app-" + (p % 20).ToString(CultureInfo.InvariantCulture),
                    $"web-{n}-{p}", "web-" + (p % 7).ToString(CultureInfo.InvariantCulture)))
                .ToList();
            pods.Sort(MembershipOrder.Instance);
            var labels = new Dictionary<string, string>
            {
                ["kubernetes.io/hostname"] = name,
                ["kubernetes.io/os"] = "linux",
                ["topology.kubernetes.io/zone"] = "us-east-1a",
                ["node.kubernetes.io/instance-type"] = "m5.xlarge",
            };
            entries.Set(name, new NodeEntry
            {
                PodTagsBody = StoredBody.Pack(MetadataBodies.PodTags(name, pods)),
                PodCount = pods.Count,
                Metadata = new NodeMetadataBodies(StoredBody.Pack(MetadataBodies.StringMap(labels)), MetadataBodies.StringMap(null), MetadataBodies.Uid("uid-" + name), "uid-" + name),
            });
        }
        return new ClusterSnapshot(entries.Publish(), ShardedMap<NamespaceEntry>.Empty, 1, DateTimeOffset.UnixEpoch, true);
    }
}
