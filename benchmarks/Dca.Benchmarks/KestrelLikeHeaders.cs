using System.Collections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dca.Benchmarks;

/// <summary>
/// Response headers that keep Content-Length as a number, as Kestrel's do. DefaultHttpContext's
/// HeaderDictionary formats it into a new string, an allocation the real server does not make, which
/// would otherwise be charged to our handlers.
/// </summary>
internal sealed class KestrelLikeHeaders : IHeaderDictionary
{
    private readonly HeaderDictionary _inner = new();

    public StringValues this[string key] { get => _inner[key]; set => _inner[key] = value; }

    public long? ContentLength { get; set; }

    public ICollection<string> Keys => _inner.Keys;

    public ICollection<StringValues> Values => _inner.Values;

    public int Count => _inner.Count;

    public bool IsReadOnly => false;

    public void Add(string key, StringValues value) => _inner.Add(key, value);

    public void Add(KeyValuePair<string, StringValues> item) => _inner.Add(item);

    public void Clear() => _inner.Clear();

    public bool Contains(KeyValuePair<string, StringValues> item) => _inner.Contains(item);

    public bool ContainsKey(string key) => _inner.ContainsKey(key);

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex) => _inner.CopyTo(array, arrayIndex);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => _inner.GetEnumerator();

    public bool Remove(string key) => _inner.Remove(key);

    public bool Remove(KeyValuePair<string, StringValues> item) => _inner.Remove(item);

    public bool TryGetValue(string key, out StringValues value) => _inner.TryGetValue(key, out value);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
