using System.Globalization;
#if NET10_0_OR_GREATER
using System.IO.Pipelines;
#endif
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    /// <summary>GET one object; throws <see cref="KubernetesApiException"/> (IsNotFound) when absent.</summary>
    public async Task<T> GetAsync<T>(ResourceKind<T> kind, string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        using var response = await SendAsync(
            () => Request(HttpMethod.Get, kind.ObjectPath(ns, name), kind.Accept(list: false)),
            "get", Describe(kind, ns, name), streaming: false, cancellationToken);
        return await ReadAsync(response, kind.ItemType, "get", Describe(kind, ns, name), _options.MaxObjectBytes, cancellationToken);
    }

    /// <summary>GET one object, or null when it does not exist.</summary>
    public async Task<T?> TryGetAsync<T>(ResourceKind<T> kind, string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        try
        {
            return await GetAsync(kind, ns, name, cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// One page of a list, parsed off the response stream. A body that is not a list (malformed, wrong types, an
    /// item or metadata that is null, over <see cref="KubernetesClientOptions.MaxListPageBytes"/>) throws a
    /// <see cref="JsonException"/> naming the list; a stalled body a <see cref="TimeoutException"/>; a connection
    /// cut mid-body an <see cref="HttpRequestException"/>.
    /// </summary>
    public async Task<KubeList<T>> ListPageAsync<T>(ResourceKind<T> kind, ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = kind.CollectionPath(options.Namespace) + Query(
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector),
            ("limit", options.Limit > 0 ? options.Limit.ToString(CultureInfo.InvariantCulture) : null),
            ("continue", options.Continue),
            ("resourceVersion", options.Continue is null ? options.ResourceVersion : null));
        using var response = await SendAsync(
            () => Request(HttpMethod.Get, path, kind.Accept(list: true)),
            "list", Describe(kind, options.Namespace, null), streaming: false, cancellationToken);
        var list = await ReadAsync(response, kind.ListType, "list", Describe(kind, options.Namespace, null), _options.MaxListPageBytes, cancellationToken);
        // Null parts would surface later as NullReferenceExceptions in the paging loop or the reflector.
        if (list.Metadata is null)
        {
            throw new JsonException($"list {Describe(kind, options.Namespace, null)}: the answer has null metadata");
        }
        if (list.Items?.FindIndex(item => item?.Metadata is null) is >= 0 and var bad)
        {
            throw new JsonException($"list {Describe(kind, options.Namespace, null)}: item {bad} of the answer is null or has null metadata");
        }
        return list;
    }

    /// <summary>Every item of a list, page by page, and the resourceVersion of the whole list.</summary>
    public async Task<(List<T> Items, string ResourceVersion)> ListAllAsync<T>(ResourceKind<T> kind, ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var items = new List<T>();
        var page = options;
        while (true)
        {
            var list = await ListPageAsync(kind, page, cancellationToken);
            if (list.Items is { } pageItems)
            {
                items.AddRange(pageItems);
            }
            if (string.IsNullOrEmpty(list.Metadata.Continue))
            {
                return (items, list.Metadata.ResourceVersion ?? "");
            }
            if (list.Metadata.Continue == page.Continue)
            {
                // The same page again: following it would loop forever, collecting the same items.
                throw new JsonException($"list {Describe(kind, options.Namespace, null)}: the API server answered the continue token it was given; paging would never end");
            }
            page = page with { Continue = list.Metadata.Continue };
        }
    }

    public Task<T> CreateAsync<T>(ResourceKind<T> kind, T item, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        WriteAsync(HttpMethod.Post, kind, kind.CollectionPath(item.Metadata.Namespace), item, "create", cancellationToken);

    /// <summary>PUT with the object's resourceVersion: a concurrent change makes it fail with 409 Conflict.</summary>
    public Task<T> UpdateAsync<T>(ResourceKind<T> kind, T item, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        WriteAsync(HttpMethod.Put, kind, kind.ObjectPath(item.Metadata.Namespace, item.Metadata.Name), item, "update", cancellationToken);

    /// <summary>
    /// A JSON merge patch (<c>application/merge-patch+json</c>) on an object or one of its subresources
    /// (<c>status</c>): no resourceVersion, so it never conflicts; the result is the stored object.
    /// </summary>
    public async Task<T> MergePatchAsync<T>(ResourceKind<T> kind, string? ns, string name, string? subresource, byte[] patch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = kind.ObjectPath(ns, name) + (subresource is null ? "" : "/" + subresource);
        using var response = await SendAsync(() =>
        {
            var request = Request(HttpMethod.Patch, path, "application/json");
            request.Content = new ByteArrayContent(patch);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
            return request;
        }, "patch", Describe(kind, ns, name) + (subresource is null ? "" : " (" + subresource + ")"), streaming: false, cancellationToken);
        return await ReadAsync(response, kind.ItemType, "patch", Describe(kind, ns, name), _options.MaxObjectBytes, cancellationToken);
    }

    public async Task DeleteAsync<T>(ResourceKind<T> kind, string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        using var response = await SendAsync(
            () => Request(HttpMethod.Delete, kind.ObjectPath(ns, name), "application/json"),
            "delete", Describe(kind, ns, name), streaming: false, cancellationToken);
    }

    /// <summary>The API server's <c>/version</c>.</summary>
    public async Task<ServerVersion> GetServerVersionAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, "/version", "application/json"),
            "get", "/version", streaming: false, cancellationToken);
        return await ReadAsync(response, KubernetesJsonContext.Default.ServerVersion, "get", "/version", _options.MaxObjectBytes, cancellationToken);
    }

    /// <summary>GET a non-resource path (e.g. <c>/readyz</c>, <c>/apis/discovery.k8s.io/v1</c>) as text.</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, path, "application/json, */*"),
            "get", path, streaming: false, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private async Task<T> WriteAsync<T>(HttpMethod method, ResourceKind<T> kind, string path, T item, string verb, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(item, kind.ItemType);
        using var response = await SendAsync(() =>
        {
            var request = Request(method, path, "application/json");
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return request;
        }, verb, Describe(kind, item.Metadata.Namespace, item.Metadata.Name), streaming: false, cancellationToken);
        return await ReadAsync(response, kind.ItemType, verb, Describe(kind, item.Metadata.Namespace, item.Metadata.Name), _options.MaxObjectBytes, cancellationToken);
    }

    /// <summary>The segment size answers are read in (<see cref="ReadAsync"/>), as the serializer's own first buffer.</summary>
    private const int BodySegmentBytes = 16 * 1024;

    private static HttpRequestMessage Request(HttpMethod method, string path, string accept)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }

    /// <summary>
    /// Reads a successful answer's body into <paramref name="type"/>: at most <paramref name="maxBytes"/> of it,
    /// within <see cref="KubernetesClientOptions.RequestTimeout"/>, with failures named by the request.
    /// </summary>
    private async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, string verb, string resource, long maxBytes, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await using var stream = new LengthLimitedStream(await response.Content.ReadAsStreamAsync(linked.Token), maxBytes);
#if NET10_0_OR_GREATER
            // Through a pipe whose large segments are not pooled: to hold one long value the serializer
            // asks for ever larger buffers, which the shared pool would keep (see AnswerMemoryPool).
            var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(AnswerMemoryPool.Instance, BodySegmentBytes, BodySegmentBytes / 4, leaveOpen: true));
            try
            {
                return await JsonSerializer.DeserializeAsync(pipe, type, linked.Token)
                    ?? throw new JsonException("the answer is null");
            }
            finally
            {
                await pipe.CompleteAsync();
            }
#else
            return await JsonSerializer.DeserializeAsync(stream, type, linked.Token)
                ?? throw new JsonException("the answer is null");
#endif
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{verb} {resource}: the API server's answer is not valid: {ex.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new JsonException($"{verb} {resource}: the API server's answer is larger than {maxBytes} bytes; refused", ex);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{verb} {resource}: the answer's body did not arrive within {_options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (IOException ex)
        {
            throw new HttpRequestException($"{verb} {resource}: the connection broke while reading the answer: {ex.Message}", ex);
        }
    }

    private static string Describe<T>(ResourceKind<T> kind, string? ns, string? name) where T : class, IKubernetesObject =>
        kind.DisplayName
        + (name is null ? "" : "/" + name)
        + (kind.Namespaced ? (string.IsNullOrEmpty(ns) ? " in all namespaces" : $" in namespace {ns}") : "");
}
