using System.Collections.Concurrent;
using System.Text;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// Everything the processes of a test said (output lines, HTTP answers, what fakes received), searched for known
/// secret values: any stretch of a value from its start of at least <see cref="PrefixLength"/> characters (the whole
/// value, a value cut short, or a presented token that differs from the right one only at its end) and its base64
/// (its first 16 characters on). A finding names where it was and the line, with every secret masked.
/// </summary>
public sealed class SecretScan
{
    /// <summary>No part of a secret this long from its start may appear.</summary>
    public const int PrefixLength = 12;

    private readonly (string Name, string Value)[] _secrets;
    private readonly ConcurrentQueue<(string Where, string Text)> _outputs = new();

    public SecretScan(IEnumerable<(string Name, string Value)> secrets)
    {
        _secrets = [.. secrets];
        if (_secrets.Any(s => s.Value.Length < PrefixLength + 4))
        {
            throw new ArgumentException("every secret needs more than a prefix's characters", nameof(secrets));
        }
    }

    /// <summary>How many outputs were added (for the test's own report).</summary>
    public int Count => _outputs.Count;

    /// <summary>The characters searched, for the report.</summary>
    public long Characters => _outputs.Sum(o => (long)o.Text.Length);

    public void Add(string where, string text) => _outputs.Enqueue((where, text));

    public void AddLines(string where, IEnumerable<string> lines) => Add(where, string.Join('\n', lines));

    /// <summary>Every place a secret (or a form of it) appears: "where, line n: [secrets] masked line".</summary>
    public List<string> Findings()
    {
        var findings = new List<string>();
        foreach (var (where, text) in _outputs)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var hits = _secrets.Where(s => Heads(s.Value).Any(h => lines[i].Contains(h, StringComparison.Ordinal))).Select(s => s.Name).ToList();
                if (hits.Count > 0)
                {
                    var masked = Mask(lines[i]);
                    findings.Add($"{where}, line {i + 1}: [{string.Join(", ", hits)}] {(masked.Length > 400 ? masked[..400] + "…" : masked)}");
                }
            }
        }
        return findings;
    }

    /// <summary>
    /// <paramref name="text"/> with every appearance of a secret masked: from the start of a prefix (of the value or of
    /// its base64) as far as the characters go on matching, so a report never shows the rest of a cut secret either.
    /// </summary>
    public string Mask(string text)
    {
        foreach (var (name, value) in _secrets)
        {
            foreach (var full in new[] { value, Base64(value) })
            {
                var head = full[..(full == value ? PrefixLength : 16)];
                int at;
                while ((at = text.IndexOf(head, StringComparison.Ordinal)) >= 0)
                {
                    var end = at + head.Length;
                    while (end < text.Length && end - at < full.Length && text[end] == full[end - at])
                    {
                        end++;
                    }
                    text = string.Concat(text.AsSpan(0, at), $"<{name}>", text.AsSpan(end));
                }
            }
        }
        return text;
    }

    /// <summary>What is searched for: the first <see cref="PrefixLength"/> characters of the value and the first 16 of its base64 (the whole forms contain them).</summary>
    private static string[] Heads(string value) => [value[..PrefixLength], Base64(value)[..16]];

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
