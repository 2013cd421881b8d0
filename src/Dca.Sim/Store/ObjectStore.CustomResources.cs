using System.Text.Json.Nodes;

namespace Dca.Sim.Store;

public sealed partial class ObjectStore
{
    /// <summary>
    /// After a CRD is stored (created or updated, whichever API wrote it): serves its versions. A type
    /// that is unchanged is left alone (watches on it stay open); one whose definition changed (kind,
    /// short names, status subresource, printer columns) is replaced, its objects kept and its watches
    /// ended so clients re-watch; a version no longer served is removed as on delete.
    /// </summary>
    private void SyncCustomTypesLocked(StoredObject crd)
    {
        var desired = CustomResourceDefinition.TypesOf(JsonBytes.ParseObject(crd.Json.Span), crd.Name);
        foreach (var existing in _collections.Keys.Where(t => t.DefinedBy == crd.Name).ToList())
        {
            var match = desired.Find(d => d.SameResource(existing));
            if (match is null)
            {
                RemoveTypeLocked(existing);
                continue;
            }
            desired.Remove(match);
            if (!match.SameDefinition(existing))
            {
                ReplaceTypeLocked(existing, match);
            }
        }
        foreach (var type in desired)
        {
            // A built-in or another CRD already serving the same path wins, as the real server's built-ins do.
            if (!_collections.Keys.Any(t => t.SameResource(type)))
            {
                _collections[type] = new ResourceCollection(type);
            }
        }
    }

    /// <summary>Before a CRD is deleted: every resource it serves goes, each object with a DELETED event, then the resource's watches end.</summary>
    private void RemoveCustomTypesLocked(string crdName)
    {
        foreach (var type in _collections.Keys.Where(t => t.DefinedBy == crdName).ToList())
        {
            RemoveTypeLocked(type);
        }
    }

    private void RemoveTypeLocked(ResourceType type)
    {
        var collection = _collections[type];
        // The real server's finalizer deletes the custom resources one by one before the CRD goes.
        foreach (var obj in collection.Items)
        {
            CommitLocked(collection, WatchEventType.Deleted, obj, ObjectIndexer.Index(type, JsonBytes.WithResourceVersion(obj, _rv + 1)));
        }
        foreach (var watcher in collection.Watchers)
        {
            watcher.Complete();
        }
        _collections.Remove(type);
    }

    private void ReplaceTypeLocked(ResourceType old, ResourceType replacement)
    {
        var collection = _collections[old];
        var moved = new ResourceCollection(replacement);
        moved.Replace(_rv, [.. collection.Items.Select(o => ObjectIndexer.Index(replacement, o.Json))]);
        foreach (var watcher in collection.Watchers)
        {
            watcher.Complete();
        }
        _collections.Remove(old);
        _collections[replacement] = moved;
    }

    /// <summary>
    /// The status subresource's split (see <see cref="ResourceType.StatusSubresource"/>): a write to
    /// <c>/status</c> keeps everything but <c>.status</c> from the stored object (and drops status when the
    /// body has none, as the real server does); a write to the main resource keeps the stored status.
    /// </summary>
    private static JsonObject SplitStatus(JsonObject body, JsonObject stored, bool statusWrite)
    {
        if (statusWrite)
        {
            var result = (JsonObject)stored.DeepClone();
            result.Remove("status");
            if (body["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
            return result;
        }
        body.Remove("status");
        if (stored["status"] is { } kept)
        {
            body["status"] = kept.DeepClone();
        }
        return body;
    }

    /// <summary>The stored generation, +1 when anything outside metadata (and status, with the subresource) changed.</summary>
    private static void SetGeneration(ResourceType type, JsonObject meta, JsonObject updated, JsonObject stored)
    {
        var storedMeta = stored["metadata"] as JsonObject;
        long? generation = storedMeta?["generation"] is JsonValue g && g.TryGetValue<long>(out var n) ? n : null;
        var changed = false;
        foreach (var key in updated.Select(p => p.Key).Union(stored.Select(p => p.Key)))
        {
            if (key is "apiVersion" or "kind" or "metadata" || (key == "status" && type.StatusSubresource))
            {
                continue;
            }
            if (!JsonNode.DeepEquals(updated[key], stored[key]))
            {
                changed = true;
                break;
            }
        }
        if (generation is null && !changed)
        {
            meta.Remove("generation");
            return;
        }
        meta["generation"] = (generation ?? 0) + (changed ? 1 : 0);
    }
}
