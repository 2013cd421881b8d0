using System.Net;
using System.Text.Json.Nodes;
using Dca.Sim.Api;
using Dca.Sim.Faults;
using Dca.Sim.Scenarios;
using Dca.Sim.Store;

namespace Dca.Sim;

public sealed partial class Simulator
{
    /// <summary>The fault switches in force.</summary>
    public FaultSettings Faults => _api.Faults.Settings;

    /// <summary>Sets the fault switches (replacing the previous ones; <see cref="FaultSettings.None"/> clears them).</summary>
    public void SetFaults(FaultSettings faults) => _api.Faults.Settings = faults;

    /// <summary>Forgets the watch history: every older resourceVersion now answers 410 Expired.</summary>
    public void Compact() => Store.Compact();

    /// <summary>Ends every open watch cleanly (clients re-watch from their last resourceVersion).</summary>
    public void CloseWatches() => Store.CloseWatches();

    /// <summary>Which client used which verb on which resource, aggregated.</summary>
    public IReadOnlyList<AuditEntry> Audit() => _api.Audit.Snapshot();

    /// <summary>Creates an object from its JSON (namespace from the object); throws <see cref="StatusException"/> as the API would answer.</summary>
    public StoredObject Create(ResourceType type, string json) =>
        Store.Create(type, "", Parse(json));

    /// <summary>Replaces an object from its JSON (with metadata.resourceVersion: optimistic; without: unconditional).</summary>
    public StoredObject Update(ResourceType type, string json)
    {
        var obj = Parse(json);
        var meta = obj["metadata"] as JsonObject ?? throw new ArgumentException("metadata is required", nameof(json));
        return Store.Update(type, ObjectStore.Text(meta["namespace"]) ?? "", ObjectStore.Text(meta["name"]) ?? "", obj);
    }

    /// <summary>
    /// Replaces an object's status from its JSON, as <c>PUT .../status</c> does: for a custom resource with a
    /// status subresource only <c>.status</c> is taken (see <see cref="ResourceType.StatusSubresource"/>).
    /// </summary>
    public StoredObject UpdateStatus(ResourceType type, string json)
    {
        var obj = Parse(json);
        var meta = obj["metadata"] as JsonObject ?? throw new ArgumentException("metadata is required", nameof(json));
        return Store.UpdateStatus(type, ObjectStore.Text(meta["namespace"]) ?? "", ObjectStore.Text(meta["name"]) ?? "", obj);
    }

    /// <summary>The custom resource a CRD serves at <paramref name="group"/>/<paramref name="version"/>/<paramref name="plural"/>, or null (not, or no longer, served).</summary>
    public ResourceType? CustomResource(string group, string version, string plural) =>
        Store.Find(group, version, plural) is { IsCustomResource: true } type ? type : null;

    /// <summary>Deletes an object.</summary>
    public StoredObject Delete(ResourceType type, string ns, string name) => Store.Delete(type, ns, name);

    /// <summary>Runs <paramref name="steps"/> churn steps now (deterministic for a given seed and history of calls).</summary>
    public void Churn(int steps)
    {
        var scenario = Scenario;
        lock (scenario.Gate)
        {
            for (var i = 0; i < steps; i++)
            {
                scenario.ChurnStep();
            }
        }
    }

    /// <summary>Emits <paramref name="count"/> core/v1 Events now.</summary>
    public void EmitEvents(int count)
    {
        var scenario = Scenario;
        lock (scenario.Gate)
        {
            for (var i = 0; i < count; i++)
            {
                scenario.EmitEvent();
            }
        }
    }

    /// <summary>The names of the simulated nodes, in order.</summary>
    public IReadOnlyList<string> NodeNames => [.. Scenario.Model.Nodes.Select(n => n.Name)];

    /// <summary>The kubelet address of a node (its InternalIP).</summary>
    public IPAddress NodeAddress(string nodeName) =>
        Scenario.Node(nodeName)?.Address ?? throw new ArgumentException($"no node {nodeName}", nameof(nodeName));

    /// <summary>The kubelet base address of a node, e.g. https://127.1.0.1:10250.</summary>
    public Uri KubeletUri(string nodeName) =>
        new("https://" + NodeAddress(nodeName) + ":" + KubeletPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private ClusterScenario Scenario => _scenario.Scenario ?? throw new InvalidOperationException("the simulator is not started");

    private static JsonObject Parse(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("a JSON object is required", nameof(json));
}
