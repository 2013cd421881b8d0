using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dca.Sim.Store;

public sealed partial class ObjectStore
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// Creates an object as POST does: name or generateName, namespace from the path, then uid,
    /// creationTimestamp and resourceVersion set by the store.
    /// </summary>
    /// <exception cref="StatusException">409 AlreadyExists, 422 Invalid, 400 BadRequest.</exception>
    public StoredObject Create(ResourceType type, string ns, JsonObject obj, bool dryRun = false)
    {
        var meta = Metadata(obj);
        var name = Text(meta["name"]);
        var generateName = Text(meta["generateName"]);
        ns = CheckNamespace(type, ns, meta, name ?? generateName ?? "");
        CheckAnnotations(type, meta, name ?? generateName ?? "");
        lock (_lock)
        {
            var collection = Collection(type);
            if (string.IsNullOrEmpty(name))
            {
                if (string.IsNullOrEmpty(generateName))
                {
                    throw StatusException.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
                }
                do
                {
                    name = generateName + RandomSuffix();
                }
                while (ResourceCollection.Find(collection.Items, ns, name) >= 0);
            }
            if (ResourceCollection.Find(collection.Items, ns, name) >= 0)
            {
                throw StatusException.AlreadyExists(type, name);
            }
            meta["name"] = name;
            ObjectDefaults.Apply(type, obj);
            if (type.StatusSubresource)
            {
                // With a status subresource, create ignores the status (customResourceStrategy.PrepareForCreate).
                obj.Remove("status");
            }
            if (type == ResourceTypes.CustomResourceDefinitions)
            {
                CustomResourceDefinition.Prepare(obj, name, null, _time.GetUtcNow());
            }
            if (type.TracksGeneration)
            {
                meta["generation"] = 1;
            }
            meta["uid"] = NewUid();
            meta["creationTimestamp"] = Timestamp(_time.GetUtcNow());
            var rv = _rv + 1;
            meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var created = ObjectIndexer.Index(type, JsonBytes.Serialize(Normalize(type, obj)));
            if (!dryRun)
            {
                CommitLocked(collection, WatchEventType.Added, null, created);
            }
            return created;
        }
    }

    /// <summary>
    /// Replaces an object as PUT does. A non-empty metadata.resourceVersion must match the stored one
    /// (optimistic concurrency); uid and creationTimestamp are kept. An update that changes nothing
    /// keeps the resourceVersion and produces no event, like the real server.
    /// </summary>
    /// <exception cref="StatusException">404 NotFound, 409 Conflict, 400 BadRequest.</exception>
    public StoredObject Update(ResourceType type, string ns, string name, JsonObject obj, bool dryRun = false)
    {
        lock (_lock)
        {
            return UpdateLocked(type, ns, name, obj, dryRun, statusWrite: false);
        }
    }

    /// <summary>
    /// Replaces an object's status as PUT on <c>/status</c> does: for a resource with a status
    /// subresource only <c>.status</c> is taken from <paramref name="obj"/> (a non-empty
    /// metadata.resourceVersion is still a precondition); for any other resource, the same as <see cref="Update"/>.
    /// </summary>
    /// <exception cref="StatusException">404 NotFound, 409 Conflict, 400 BadRequest.</exception>
    public StoredObject UpdateStatus(ResourceType type, string ns, string name, JsonObject obj, bool dryRun = false)
    {
        lock (_lock)
        {
            return UpdateLocked(type, ns, name, obj, dryRun, statusWrite: true);
        }
    }

    /// <summary>
    /// Applies <paramref name="patch"/> to a fresh copy of the current object and stores the result,
    /// atomically (the store's lock is held, so a patch never conflicts unless it carries its own
    /// metadata.resourceVersion).
    /// </summary>
    public StoredObject Patch(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> patch, bool dryRun = false) =>
        PatchCore(type, ns, name, patch, dryRun, statusWrite: false);

    /// <summary>Patches an object's status as PATCH on <c>/status</c> does (see <see cref="UpdateStatus"/>: only the patched status is kept).</summary>
    public StoredObject PatchStatus(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> patch, bool dryRun = false) =>
        PatchCore(type, ns, name, patch, dryRun, statusWrite: true);

    private StoredObject PatchCore(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> patch, bool dryRun, bool statusWrite)
    {
        lock (_lock)
        {
            var current = Get(type, ns, name) ?? throw StatusException.NotFound(type, name);
            var patched = patch(JsonBytes.ParseObject(current.Json.Span));
            return UpdateLocked(type, ns, name, patched, dryRun, statusWrite);
        }
    }

    /// <summary>Deletes an object; the result carries the deletion's resourceVersion (as in the DELETED event).</summary>
    /// <exception cref="StatusException">404 NotFound, 409 Conflict on a failed uid or resourceVersion precondition.</exception>
    public StoredObject Delete(ResourceType type, string ns, string name, string? uid = null, long? resourceVersion = null, bool dryRun = false)
    {
        lock (_lock)
        {
            var collection = Collection(type);
            var current = Get(type, ns, name) ?? throw StatusException.NotFound(type, name);
            if ((uid is { Length: > 0 } && uid != current.Uid) || (resourceVersion is { } rv && rv != current.ResourceVersion))
            {
                throw new StatusException(409, "Conflict",
                    $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}",
                    name, type);
            }
            if (type == ResourceTypes.CustomResourceDefinitions && !dryRun)
            {
                RemoveCustomTypesLocked(current.Name);
            }
            var deleted = ObjectIndexer.Index(type, JsonBytes.WithResourceVersion(current, _rv + 1));
            if (!dryRun)
            {
                CommitLocked(collection, WatchEventType.Deleted, current, deleted);
            }
            return deleted;
        }
    }

    /// <summary>
    /// Creates or replaces an object whose JSON the caller builds for the resourceVersion it is
    /// given (the scenario's fast path: no JSON tree, no preconditions).
    /// </summary>
    public StoredObject Put(ResourceType type, Func<long, byte[]> build)
    {
        lock (_lock)
        {
            var collection = Collection(type);
            var obj = ObjectIndexer.Index(type, build(_rv + 1));
            var previous = Get(type, obj.Namespace, obj.Name);
            CommitLocked(collection, previous is null ? WatchEventType.Added : WatchEventType.Modified, previous, obj);
            return obj;
        }
    }

    private StoredObject UpdateLocked(ResourceType type, string ns, string name, JsonObject obj, bool dryRun, bool statusWrite)
    {
        var collection = Collection(type);
        var current = Get(type, ns, name) ?? throw StatusException.NotFound(type, name);
        var meta = Metadata(obj);
        var bodyName = Text(meta["name"]);
        if (bodyName is { Length: > 0 } && bodyName != name)
        {
            throw StatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        CheckNamespace(type, ns, meta, name);
        CheckAnnotations(type, meta, name);
        var bodyRv = Text(meta["resourceVersion"]);
        if (bodyRv is { Length: > 0 } && bodyRv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw StatusException.Conflict(type, name);
        }
        var stored = type.StatusSubresource || type.TracksGeneration ? JsonBytes.ParseObject(current.Json.Span) : null;
        if (type.StatusSubresource)
        {
            obj = SplitStatus(obj, stored!, statusWrite);
            meta = Metadata(obj);
        }
        if (type == ResourceTypes.CustomResourceDefinitions)
        {
            CustomResourceDefinition.Prepare(obj, name, stored, _time.GetUtcNow());
        }
        if (type.TracksGeneration)
        {
            SetGeneration(type, meta, obj, stored!);
        }
        meta["name"] = name;
        meta["uid"] = current.Uid;
        meta["creationTimestamp"] = current.CreationTimestamp;
        meta["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        obj = Normalize(type, obj);
        var bytes = JsonBytes.Serialize(obj);
        if (bytes.AsSpan().SequenceEqual(current.Json.Span))
        {
            return current;
        }
        meta["resourceVersion"] = (_rv + 1).ToString(CultureInfo.InvariantCulture);
        var updated = ObjectIndexer.Index(type, JsonBytes.Serialize(obj));
        if (!dryRun)
        {
            CommitLocked(collection, WatchEventType.Modified, current, updated);
        }
        return updated;
    }

    private void CommitLocked(ResourceCollection collection, WatchEventType kind, StoredObject? previous, StoredObject current)
    {
        var rv = _rv + 1;
        Volatile.Write(ref _rv, rv);
        var e = new WatchEvent(kind, rv, current, previous);
        if (_history.Add(e) is { } evicted && evicted > _compactedRv)
        {
            Volatile.Write(ref _compactedRv, evicted);
        }
        collection.Apply(rv, previous, kind == WatchEventType.Deleted ? null : current, _compactedRv);
        foreach (var watcher in collection.Watchers)
        {
            watcher.Publish(e);
        }
        if (collection.Type == ResourceTypes.CustomResourceDefinitions && kind != WatchEventType.Deleted)
        {
            SyncCustomTypesLocked(current);
        }
    }

    /// <summary>apiVersion, kind and metadata first (so the metadata is found early), the rest in the caller's order.</summary>
    private static JsonObject Normalize(ResourceType type, JsonObject obj)
    {
        if (obj.Count >= 3 && obj.GetAt(0).Key == "apiVersion" && obj.GetAt(1).Key == "kind" && obj.GetAt(2).Key == "metadata")
        {
            obj["apiVersion"] = type.ApiVersion;
            obj["kind"] = type.Kind;
            return obj;
        }
        var properties = obj.ToList();
        obj.Clear();
        var result = new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.Kind,
            ["metadata"] = properties.First(p => p.Key == "metadata").Value,
        };
        foreach (var (key, value) in properties)
        {
            if (key is not ("apiVersion" or "kind" or "metadata"))
            {
                result[key] = value;
            }
        }
        return result;
    }

    /// <summary>kube-apiserver's limit on an object's annotations: keys and values together, in bytes (apimachinery's TotalAnnotationSizeLimitB).</summary>
    public const int MaxAnnotationBytes = 256 * 1024;

    private static void CheckAnnotations(ResourceType type, JsonObject meta, string name)
    {
        if (meta["annotations"] is not JsonObject annotations)
        {
            return;
        }
        long total = 0;
        foreach (var (key, value) in annotations)
        {
            total += System.Text.Encoding.UTF8.GetByteCount(key) + (value is JsonValue v && v.TryGetValue<string>(out var text) ? System.Text.Encoding.UTF8.GetByteCount(text) : 0);
        }
        if (total > MaxAnnotationBytes)
        {
            throw StatusException.Invalid(type, name, $"metadata.annotations: Too long: must have at most {MaxAnnotationBytes} bytes");
        }
    }

    private static string CheckNamespace(ResourceType type, string ns, JsonObject meta, string name)
    {
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return "";
        }
        var bodyNs = Text(meta["namespace"]);
        if (bodyNs is { Length: > 0 } && ns.Length > 0 && bodyNs != ns)
        {
            throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        ns = ns.Length > 0 ? ns : bodyNs ?? "";
        if (ns.Length == 0)
        {
            throw StatusException.Invalid(type, name, "metadata.namespace: Required value");
        }
        meta["namespace"] = ns;
        return ns;
    }

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }
        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    internal static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>RFC 3339 in whole seconds, as Kubernetes writes metav1.Time.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        string.Create(20, time.UtcDateTime, static (s, t) =>
        {
            // Hand-formatted: generating 150,000 pods writes millions of these.
            Digits(s[..4], t.Year);
            s[4] = '-';
            Digits(s.Slice(5, 2), t.Month);
            s[7] = '-';
            Digits(s.Slice(8, 2), t.Day);
            s[10] = 'T';
            Digits(s.Slice(11, 2), t.Hour);
            s[13] = ':';
            Digits(s.Slice(14, 2), t.Minute);
            s[16] = ':';
            Digits(s.Slice(17, 2), t.Second);
            s[19] = 'Z';
        });

    private static void Digits(Span<char> span, int value)
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    private string RandomSuffix() =>
        string.Create(5, _random, static (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = NameAlphabet[random.Next(NameAlphabet.Length)];
            }
        });

    private string NewUid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }
}
