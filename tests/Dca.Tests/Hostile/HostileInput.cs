using FsCheck;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// What the hostile-input tests share: one fixed seed (every run replays the same inputs, so a failure reproduces),
/// bounded run counts, and generators biased towards the characters and fragments parsers trip on.
/// </summary>
internal static class HostileInput
{
    public const ulong Seed = 0x5EED_DCA1;

    /// <summary>A property checked on <see cref="Seed"/> for <paramref name="runs"/> inputs; a failure throws with the shrunk counter-example.</summary>
    public static Config Runs(int runs) =>
        Config.QuickThrowOnFailure.WithMaxTest(runs).WithQuietOnSuccess(true).WithReplay(new Replay(new Rnd(Seed), null));

    /// <summary><paramref name="count"/> values of <paramref name="gen"/> from <see cref="Seed"/>, for the properties checked over HTTP (async).</summary>
    public static T[] Sample<T>(Gen<T> gen, int count, int size = 40) => gen.Sample(count, new Rnd(Seed), size);

    /// <summary>Fragments that break naive parsers: structure, escapes, template markers, odd Unicode, control characters.</summary>
    public static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "'", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "null", "true", "1e400", "-0", "0x1F",
        "%%", "%%host%%", "%%port%%", "%%port_0%%", "%%port_99999999999%%", "%%port_-1%%", "%%port_http%%", "%%env_HOME%%", "%%kube_namespace%%", "%%%%",
        "init_config", "instances", "\"instances\":[{}]", "\"init_config\":{}", "cluster_check", "&a", "*a", "<<", "!!binary", "---", "...", "- ", "? ",
        "\t", "\r", "\n", "\0", "\u0001", "\u007f", "\u00a0", "\u2028", "\ufeff", "\ufffd", "\ud800", "\udfff", "😀", "ü", " ", "=", "!", "(", ")",
        "%", "%2F", "%00", "%ff", "%c0%af", "..", "/", "?", "#", "&", "+", "in", "notin",
    ];

    public static readonly Gen<char> AnyChar = Gen.Choose(0, 0xFFFF).Select(static c => (char)c);

    /// <summary>Characters as they come: printable ASCII mostly, then the rest of UTF-16 (lone surrogates included).</summary>
    public static readonly Gen<char> Char = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E).Select(static c => (char)c)),
        (1, Gen.Choose(0, 0x1F).Select(static c => (char)c)),
        (1, AnyChar));

    /// <summary>Text assembled from <see cref="Fragments"/> and random characters.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (3, Gen.Elements(Fragments)),
        (2, Char.Select(static c => c.ToString())))
        .ArrayOf().Select(static parts => string.Concat(parts));

    /// <summary><paramref name="valid"/> with a few characters deleted, replaced or inserted: inputs next to good ones.</summary>
    public static Gen<string> Mutated(string valid) =>
        Gen.Zip(Gen.Zip(Gen.Choose(0, valid.Length), Gen.Choose(0, 2), static (at, kind) => (at, kind)), Gen.Elements(Fragments), static (edit, fragment) => (edit, fragment))
            .ArrayOf()
            .Select(edits =>
            {
                var text = valid;
                foreach (var ((at, kind), fragment) in edits)
                {
                    var i = Math.Min(at, text.Length);
                    text = kind switch
                    {
                        0 when i < text.Length => text.Remove(i, 1),
                        1 when i < text.Length => text[..i] + fragment + text[(i + 1)..],
                        _ => text.Insert(i, fragment),
                    };
                }
                return text;
            });

    /// <summary>Random bytes (for bodies and files that are not text).</summary>
    public static readonly Gen<byte[]> Bytes = Gen.Choose(0, 255).Select(static b => (byte)b).ArrayOf();
}
