using System.Collections.Immutable;
using System.Globalization;

namespace Dca.Sim.Store;

public sealed partial class ObjectStore
{
    private const string ExpiredContinueMessage =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

    /// <summary>
    /// Lists objects with the real server's paging semantics: a page is read from one consistent
    /// snapshot, continued pages read the first page's snapshot (410 Expired once it is compacted,
    /// with a token to continue inconsistently), and selectors filter without shortening the scan.
    /// </summary>
    /// <exception cref="StatusException">400 for bad parameters, 410 for compacted versions, 504 for future versions.</exception>
    public ListResult List(ResourceType type, ListOptions options)
    {
        var collection = Collection(type);
        var ns = type.Namespaced ? options.Namespace ?? "" : "";
        ImmutableList<StoredObject> items;
        long rv;
        var after = (Namespace: "", Name: "");
        var resume = false;
        lock (_lock)
        {
            if (options.Continue is { Length: > 0 } token)
            {
                if (options.ResourceVersion is { Length: > 0 } and not "0")
                {
                    throw StatusException.BadRequest("specifying resource version is not allowed when using continue");
                }
                var parsed = ContinueToken.Decode(token);
                if (parsed.ResourceVersion < _compactedRv)
                {
                    throw new StatusException(410, "Expired", ExpiredContinueMessage)
                    {
                        Continue = new ContinueToken(_rv, parsed.Namespace, parsed.Name).Encode(),
                    };
                }
                rv = parsed.ResourceVersion;
                items = collection.At(rv);
                after = (parsed.Namespace, parsed.Name);
                resume = true;
            }
            else
            {
                rv = _rv;
                items = collection.Items;
                if (options.ResourceVersion is { Length: > 0 } and not "0")
                {
                    if (!long.TryParse(options.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
                    {
                        throw StatusException.BadRequest($"invalid resource version \"{options.ResourceVersion}\"");
                    }
                    if (requested > _rv)
                    {
                        throw new StatusException(504, "Timeout", $"Too large resource version: {requested}, current: {_rv}");
                    }
                    if (options.ResourceVersionMatch == "Exact")
                    {
                        if (requested < _compactedRv)
                        {
                            throw StatusException.TooOld(requested, _compactedRv);
                        }
                        rv = requested;
                        items = collection.At(rv);
                    }
                }
                else if (options.ResourceVersionMatch == "Exact")
                {
                    throw StatusException.BadRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"\" or \"0\"");
                }
                if (collection.HasNodeIndex && rv == _rv && options.Fields.RequiredValue("spec.nodeName") is { } node)
                {
                    items = collection.OnNode(node);
                }
            }
        }
        return Page(items, rv, ns, resume, after, options);
    }

    private static ListResult Page(
        ImmutableList<StoredObject> items, long rv, string ns, bool resume, (string Namespace, string Name) after, ListOptions options)
    {
        var start = 0;
        if (resume)
        {
            var i = ResourceCollection.Find(items, after.Namespace, after.Name);
            start = i >= 0 ? i + 1 : ~i;
        }
        if (ns.Length > 0)
        {
            var first = ResourceCollection.Find(items, ns, "");
            start = Math.Max(start, first >= 0 ? first : ~first);
        }
        var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        var limit = options.Limit > 0 ? options.Limit : int.MaxValue;
        var result = new List<StoredObject>(Math.Min(limit, 1024));
        var index = start;
        for (; index < items.Count; index++)
        {
            var obj = items[index];
            if (ns.Length > 0 && obj.Namespace != ns)
            {
                break;
            }
            if (result.Count == limit)
            {
                // More keys remain in range: the next page resumes after the last one returned.
                var last = result[^1];
                long? remaining = filtered ? null : CountInRange(items, index, ns);
                return new ListResult(result, rv, new ContinueToken(rv, last.Namespace, last.Name).Encode(), remaining);
            }
            if (options.Labels.Matches(obj) && options.Fields.Matches(obj))
            {
                result.Add(obj);
            }
        }
        return new ListResult(result, rv, null, null);
    }

    private static long CountInRange(ImmutableList<StoredObject> items, int index, string ns)
    {
        if (ns.Length == 0)
        {
            return items.Count - index;
        }
        var end = ResourceCollection.Find(items, ns + "\0", "");
        return (end >= 0 ? end : ~end) - index;
    }
}
