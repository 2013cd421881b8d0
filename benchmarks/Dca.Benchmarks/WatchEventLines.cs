using System.Text;
using Dca.Sim.Scenarios;

namespace Dca.Benchmarks;

/// <summary>
/// Watch lines as the simulator sends them (<c>{"type":"MODIFIED","object":{...}}</c>, the object being
/// the stored JSON verbatim), made with its 5k model and JSON writers: a full EndpointSlice before and
/// after a pod replacement, and a running pod.
/// </summary>
internal static class WatchEventLines
{
    private static readonly ClusterModel s_model = new(ScenarioOptions.FiveK, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// A 100-endpoint slice of the busiest service, its pods spread over 100 nodes, as an ADDED line, and
    /// the MODIFIED line after one pod is replaced by a pod on another node (the EndpointSlice
    /// controller's way, through the simulator's <see cref="ServiceEndpoints"/>: the replacement fills the
    /// slot its predecessor left).
    /// </summary>
    public static (byte[] Before, byte[] After) SliceReplacement()
    {
        var app = s_model.Apps.First(a => a.HasService && a.Index > 0);
        var rng = new Random(42);
        var endpoints = new ServiceEndpoints(app);
        var slice = new SliceState(app.ServiceName + "-" + ClusterModel.RandomText(rng, 5), ClusterModel.Uid(rng), s_model.ClusterCreated);
        for (var i = 0; i < ServiceJson.MaxEndpointsPerSlice; i++)
        {
            endpoints.Add(Endpoint(Pod(rng, app, i)), () => slice);
        }
        var before = Line("ADDED", ServiceJson.Slice(app, slice.Name, slice.Uid, 1_000, slice.Created, [.. slice.Endpoints]));
        endpoints.Remove(slice.Endpoints[37].PodName);
        endpoints.Add(Endpoint(Pod(rng, app, ServiceJson.MaxEndpointsPerSlice)), () => slice);
        var after = Line("MODIFIED", ServiceJson.Slice(app, slice.Name, slice.Uid, 1_001, slice.Created, [.. slice.Endpoints]));
        return (before, after);
    }

    /// <summary>A MODIFIED line for a running pod of that service (labels, managedFields, spec, status).</summary>
    public static byte[] PodModified()
    {
        var app = s_model.Apps.First(a => a.HasService && a.Index > 0);
        return Line("MODIFIED", PodJson.Write(Pod(new Random(7), app, 0), 1_002));
    }

    // Node i of the model (spread, 37 is prime to 5,000), slot by index, a serial unique to the pod.
    private static PodSpec Pod(Random rng, AppSpec app, int i) =>
        s_model.NewPod(rng, app, s_model.Nodes[i * 37 % s_model.Nodes.Count], 1 + (i % 29), 1_000_000 + i);

    private static EndpointRef Endpoint(PodSpec p) => new(p.Name, p.Uid, p.Ip, p.Node.Name, p.Node.Zone, Ready: true);

    private static byte[] Line(string type, byte[] json) =>
        [.. Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":"), .. json, (byte)'}'];
}
