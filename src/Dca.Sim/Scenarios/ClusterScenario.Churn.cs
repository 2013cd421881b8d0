using Dca.Sim.Store;

namespace Dca.Sim.Scenarios;

internal sealed partial class ClusterScenario
{
    private const int MaxEvents = 10_000;

    private static readonly (string Type, string Reason, string Component, string Message)[] s_events =
    [
        ("Normal", "Scheduled", "default-scheduler", "Successfully assigned {ns}/{pod} to {node}"),
        ("Normal", "Pulled", "kubelet", "Container image \"{image}\" already present on machine"),
        ("Normal", "Created", "kubelet", "Created container {container}"),
        ("Normal", "Started", "kubelet", "Started container {container}"),
        ("Warning", "Unhealthy", "kubelet", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        ("Warning", "BackOff", "kubelet", "Back-off restarting failed container {container} in pod {pod}_{ns}({uid})"),
        ("Normal", "Killing", "kubelet", "Stopping container {container}"),
    ];

    private readonly Queue<(string Namespace, string Name)> _events = new();
    private List<ServiceEndpoints>? _endpointsList;
    private readonly List<(PodSpec Pod, string Name, string Uid, int Template, int Count, DateTimeOffset First)> _recentEvents = [];

    /// <summary>
    /// One churn step: a random application pod is deleted (a MODIFIED with deletionTimestamp, then
    /// DELETED), its replacement is created on a random node, another pod's status changes, and the
    /// service's EndpointSlice(s) and Endpoints follow. With lazy pods (no pod objects to replace) a
    /// step flips one endpoint's readiness instead, as a failing or recovering readiness probe does.
    /// </summary>
    public void ChurnStep()
    {
        if (Model.Options.LazyPods)
        {
            FlipReadiness();
            return;
        }
        var candidates = _pods.Count;
        if (candidates == 0)
        {
            return;
        }
        PodSpec victim;
        var attempts = 0;
        do
        {
            victim = _pods[_rng.Next(_pods.Count)];
        }
        while (victim.IsDaemon && ++attempts < 20);
        if (victim.IsDaemon || victim.App is not { } app)
        {
            return;
        }
        var now = _time.GetUtcNow();
        RemovePod(victim, now);

        var node = Model.Nodes[_rng.Next(Model.Nodes.Count)];
        var slot = Array.IndexOf(_slots[node.Index], false, 1);
        if (slot < 0)
        {
            node = victim.Node;
            slot = Array.IndexOf(_slots[node.Index], false, 1);
        }
        var replacement = Model.NewPod(_rng, app, node, Math.Max(slot, 1), _serial++) with { Created = now };
        Add(replacement);
        _store.Put(ResourceTypes.Pods, rv => PodJson.Write(replacement, rv));
        if (_endpoints.TryGetValue(app.Index, out var endpoints))
        {
            var slice = endpoints.Add(Endpoint(replacement), () => NewSlice(app, _rng, now));
            PutSlice(endpoints, slice);
            PutEndpoints(endpoints);
        }

        // A status change on another pod: a container restarted.
        var other = _pods[_rng.Next(_pods.Count)];
        var restarted = other with { RestartCount = other.RestartCount + 1 };
        if (Replace(other, restarted))
        {
            _store.Put(ResourceTypes.Pods, rv => PodJson.Write(restarted, rv));
        }
        ChurnSteps++;
    }

    /// <summary>
    /// The lazy-pod churn step: one application endpoint turns not ready (or ready again) in its
    /// EndpointSlice and Endpoints. Lazy pods keep no endpoint lists in memory (1.5 million at 50k), so
    /// the service's slices are read back from the store. The kubelets' generated pods do not follow
    /// (they are made from the seed on demand), which only the cluster agent's view of readiness sees.
    /// </summary>
    private void FlipReadiness()
    {
        var services = _endpointsList ??= [.. _endpoints.Values.Where(e => e.Slices.Count > 0)];
        if (services.Count == 0)
        {
            return;
        }
        var service = services[_rng.Next(services.Count)];
        var slices = service.Slices
            .Select(s => (Slice: s, Endpoints: _store.Get(ResourceTypes.EndpointSlices, service.App.Namespace, s.Name) is { } stored ? ReadEndpoints(stored) : []))
            .ToList();
        var withEndpoints = slices.Where(s => s.Endpoints.Count > 0).ToList();
        if (withEndpoints.Count == 0)
        {
            return;
        }
        var (slice, endpoints) = withEndpoints[_rng.Next(withEndpoints.Count)];
        var i = _rng.Next(endpoints.Count);
        endpoints[i] = endpoints[i] with { Ready = !endpoints[i].Ready };
        _store.Put(ResourceTypes.EndpointSlices, rv => ServiceJson.Slice(service.App, slice.Name, slice.Uid, rv, slice.Created, [.. endpoints]));
        _store.Put(ResourceTypes.Endpoints, rv => ServiceJson.Endpoints(service.App, rv, Model.ClusterCreated.AddMinutes(5), [.. slices.SelectMany(s => s.Endpoints)]));
        ChurnSteps++;
    }

    private static List<EndpointRef> ReadEndpoints(StoredObject slice)
    {
        using var doc = slice.ToJsonDocument();
        var result = new List<EndpointRef>();
        foreach (var e in doc.RootElement.GetProperty("endpoints").EnumerateArray())
        {
            if (!e.TryGetProperty("targetRef", out var target))
            {
                continue;
            }
            result.Add(new EndpointRef(target.GetProperty("name").GetString()!, target.GetProperty("uid").GetString()!,
                e.GetProperty("addresses")[0].GetString()!, e.GetProperty("nodeName").GetString()!,
                e.TryGetProperty("zone", out var zone) ? zone.GetString()! : "", e.GetProperty("conditions").GetProperty("ready").GetBoolean()));
        }
        return result;
    }

    /// <summary>One core/v1 Event: usually a new one about a random pod, sometimes a repeat (count+1) of a recent one.</summary>
    public void EmitEvent()
    {
        var now = _time.GetUtcNow();
        if (_recentEvents.Count > 0 && _rng.NextDouble() < 0.2)
        {
            var i = _rng.Next(_recentEvents.Count);
            var e = _recentEvents[i];
            if (_store.Get(ResourceTypes.Events, e.Pod.Namespace, e.Name) is not null)
            {
                _recentEvents[i] = e with { Count = e.Count + 1 };
                WriteEvent(e.Pod, e.Name, e.Uid, e.Template, e.Count + 1, e.First, now);
                EventsEmitted++;
                return;
            }
        }
        if (RandomPod() is not { } pod)
        {
            return;
        }
        var template = _rng.Next(s_events.Length);
        var name = pod.Name + "." + PodJson.Hex(pod.Uid + EventsEmitted.ToString(System.Globalization.CultureInfo.InvariantCulture), 16);
        var uid = ClusterModel.Uid(_rng);
        WriteEvent(pod, name, uid, template, 1, now, now);
        _events.Enqueue((pod.Namespace, name));
        _recentEvents.Add((pod, name, uid, template, 1, now));
        if (_recentEvents.Count > 100)
        {
            _recentEvents.RemoveAt(0);
        }
        while (_events.Count > MaxEvents)
        {
            var (ns, old) = _events.Dequeue();
            TryDelete(ResourceTypes.Events, ns, old);
        }
        EventsEmitted++;
    }

    /// <summary>A random pod: a live one, or with lazy pods one generated for a random node.</summary>
    private PodSpec? RandomPod()
    {
        if (_pods.Count > 0)
        {
            return _pods[_rng.Next(_pods.Count)];
        }
        if (!Model.Options.LazyPods || Model.Nodes.Count == 0)
        {
            return null;
        }
        var onNode = Model.PodsOnNode(_rng.Next(Model.Nodes.Count)).ToList();
        return onNode.Count == 0 ? null : onNode[_rng.Next(onNode.Count)];
    }

    private void WriteEvent(PodSpec pod, string name, string uid, int template, int count, DateTimeOffset first, DateTimeOffset last)
    {
        var (type, reason, component, message) = s_events[template];
        var (container, image, _) = PodJson.Containers(pod)[0];
        message = message.Replace("{ns}", pod.Namespace, StringComparison.Ordinal).Replace("{pod}", pod.Name, StringComparison.Ordinal)
            .Replace("{node}", pod.Node.Name, StringComparison.Ordinal).Replace("{image}", image, StringComparison.Ordinal)
            .Replace("{container}", container, StringComparison.Ordinal).Replace("{uid}", pod.Uid, StringComparison.Ordinal);
        _store.Put(ResourceTypes.Events, rv => MiscJson.Event(pod, name, uid, type, reason, message, component, count, rv, first, last));
    }

    private void RemovePod(PodSpec victim, DateTimeOffset now)
    {
        _pods.RemoveAt(IndexOf(_pods, victim));
        var byApp = _podsByApp[victim.App!.Index];
        byApp.RemoveAt(IndexOf(byApp, victim));
        if (TryParseSlot(victim.Ip, out var slot))
        {
            _slots[victim.Node.Index][slot] = false;
        }
        if (_store.Get(ResourceTypes.Pods, victim.Namespace, victim.Name) is not null)
        {
            _store.Put(ResourceTypes.Pods, rv => PodJson.Write(victim, rv, now));
            TryDelete(ResourceTypes.Pods, victim.Namespace, victim.Name);
        }
        if (_endpoints.TryGetValue(victim.App.Index, out var endpoints))
        {
            var (slice, deleted) = endpoints.Remove(victim.Name);
            if (slice is not null)
            {
                if (deleted)
                {
                    TryDelete(ResourceTypes.EndpointSlices, victim.Namespace, slice.Name);
                }
                else
                {
                    PutSlice(endpoints, slice);
                }
                PutEndpoints(endpoints);
            }
        }
    }

    /// <summary>
    /// The position of this very instance: the lists hold each spec once, and comparing references
    /// instead of record values keeps a step at 150,000 pods well under a millisecond.
    /// </summary>
    private static int IndexOf(List<PodSpec> list, PodSpec pod)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
        for (var i = 0; i < span.Length; i++)
        {
            if (ReferenceEquals(span[i], pod))
            {
                return i;
            }
        }
        return -1;
    }

    private bool Replace(PodSpec old, PodSpec updated)
    {
        var i = IndexOf(_pods, old);
        if (i < 0 || old.App is null)
        {
            return false;
        }
        _pods[i] = updated;
        var list = _podsByApp[old.App.Index];
        list[IndexOf(list, old)] = updated;
        return _store.Get(ResourceTypes.Pods, old.Namespace, old.Name) is not null;
    }

    private void PutSlice(ServiceEndpoints endpoints, SliceState slice)
    {
        slice.IsNew = false;
        _store.Put(ResourceTypes.EndpointSlices, rv => ServiceJson.Slice(endpoints.App, slice.Name, slice.Uid, rv, slice.Created, [.. slice.Endpoints]));
    }

    private void PutEndpoints(ServiceEndpoints endpoints) =>
        _store.Put(ResourceTypes.Endpoints, rv => ServiceJson.Endpoints(endpoints.App, rv, Model.ClusterCreated.AddMinutes(5), [.. endpoints.All]));

    private void TryDelete(ResourceType type, string ns, string name)
    {
        try
        {
            _store.Delete(type, ns, name);
        }
        catch (StatusException ex) when (ex.Code == 404)
        {
            // Deleted through the API meanwhile: nothing left to do.
        }
    }
}
