using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Dca.Metadata;

/// <summary>
/// An immutable string-keyed map split into 256 shards. A new version that changes a few keys copies
/// only their shards and shares the others with the previous version, so publishing a snapshot after
/// one pod moved costs a few small dictionaries, not a copy of 5,000 (or 50,000) nodes. Lookups hash
/// once for the shard and once inside it, and allocate nothing.
/// </summary>
internal sealed class ShardedMap<T> : IReadOnlyDictionary<string, T>
{
    private const int ShardBits = 8;
    private const int Shards = 1 << ShardBits;

    private static readonly Dictionary<string, T> s_emptyShard = new(StringComparer.Ordinal);

    private readonly Dictionary<string, T>[] _shards;

    private ShardedMap(Dictionary<string, T>[] shards, int count)
    {
        _shards = shards;
        Count = count;
    }

    public static ShardedMap<T> Empty { get; } = new(Enumerable.Repeat(s_emptyShard, Shards).ToArray(), 0);

    public int Count { get; }

    public T this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException();

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<T> Values => this.Select(p => p.Value);

    public bool ContainsKey(string key) => _shards[ShardOf(key)].ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value) => _shards[ShardOf(key)].TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator()
    {
        foreach (var shard in _shards)
        {
            foreach (var pair in shard)
            {
                yield return pair;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int ShardOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) >> (32 - ShardBits));

    /// <summary>The writer's mutable working copy; <see cref="Publish"/> freezes the shards changed since the last call.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, T>[] _working = new Dictionary<string, T>[Shards];
        private readonly bool[] _changed = new bool[Shards];
        private ShardedMap<T> _published = Empty;
        private int _count;

        public Builder()
        {
            for (var i = 0; i < Shards; i++)
            {
                _working[i] = new Dictionary<string, T>(StringComparer.Ordinal);
            }
        }

        /// <summary>True when keys were set or removed since the last <see cref="Publish"/>.</summary>
        public bool HasChanges { get; private set; }

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value) => _working[ShardOf(key)].TryGetValue(key, out value);

        public void Set(string key, T value)
        {
            var shard = ShardOf(key);
            if (_working[shard].TryAdd(key, value))
            {
                _count++;
            }
            else
            {
                _working[shard][key] = value;
            }
            _changed[shard] = HasChanges = true;
        }

        public void Remove(string key)
        {
            var shard = ShardOf(key);
            if (_working[shard].Remove(key))
            {
                _count--;
                _changed[shard] = HasChanges = true;
            }
        }

        /// <summary>A new immutable version sharing every unchanged shard with the previous one.</summary>
        public ShardedMap<T> Publish()
        {
            if (!HasChanges)
            {
                return _published;
            }
            var shards = (Dictionary<string, T>[])_published._shards.Clone();
            for (var i = 0; i < Shards; i++)
            {
                if (_changed[i])
                {
                    shards[i] = _working[i].Count == 0 ? s_emptyShard : new Dictionary<string, T>(_working[i], StringComparer.Ordinal);
                    _changed[i] = false;
                }
            }
            HasChanges = false;
            return _published = new ShardedMap<T>(shards, _count);
        }
    }
}
