namespace Dca.Sim.Scenarios;

/// <summary>
/// The endpoints of one service split into EndpointSlices the way the EndpointSlice controller
/// does it: a removed pod leaves its slice, a new pod fills the first slice with room, a slice that
/// empties is deleted (the last one stays), so churn rewrites one or two slices, not all of them.
/// </summary>
internal sealed class ServiceEndpoints(AppSpec app)
{
    public AppSpec App { get; } = app;

    public List<SliceState> Slices { get; } = [];

    public IEnumerable<EndpointRef> All => Slices.SelectMany(s => s.Endpoints);

    public int Count => Slices.Sum(s => s.Endpoints.Count);

    /// <summary>Adds an endpoint; returns the slice that changed (new when <see cref="SliceState.IsNew"/>).</summary>
    public SliceState Add(EndpointRef e, Func<SliceState> newSlice)
    {
        var slice = Slices.FirstOrDefault(s => s.Endpoints.Count < ServiceJson.MaxEndpointsPerSlice);
        if (slice is null)
        {
            slice = newSlice();
            Slices.Add(slice);
        }
        slice.Endpoints.Add(e);
        return slice;
    }

    /// <summary>Removes a pod's endpoint; returns the changed slice and whether it is now to be deleted.</summary>
    public (SliceState? Slice, bool Deleted) Remove(string podName)
    {
        foreach (var slice in Slices)
        {
            var i = slice.Endpoints.FindIndex(e => e.PodName == podName);
            if (i < 0)
            {
                continue;
            }
            slice.Endpoints.RemoveAt(i);
            if (slice.Endpoints.Count == 0 && Slices.Count > 1)
            {
                Slices.Remove(slice);
                return (slice, true);
            }
            return (slice, false);
        }
        return (null, false);
    }
}

/// <summary>One EndpointSlice's identity and endpoints.</summary>
internal sealed class SliceState(string name, string uid, DateTimeOffset created)
{
    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public DateTimeOffset Created { get; } = created;

    public List<EndpointRef> Endpoints { get; } = [];

    public bool IsNew { get; set; } = true;
}
