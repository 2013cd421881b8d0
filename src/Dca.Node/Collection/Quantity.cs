using System.Globalization;

namespace Dca.Node.Collection;

/// <summary>
/// Kubernetes resource quantities (<c>100m</c>, <c>200Mi</c>, <c>1.5</c>, <c>2e3</c>) as numbers. A trailing
/// <c>E</c> is the exa suffix; an exponent always has digits after it.
/// </summary>
internal static class Quantity
{
    public static bool TryParse(string? text, out double value)
    {
        value = 0;
        if (text is not { Length: > 0 })
        {
            return false;
        }
        var s = text.AsSpan().Trim();
        double multiplier = 1;
        foreach (var (suffix, factor) in Suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length];
                multiplier = factor;
                break;
            }
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            return false;
        }
        value = number * multiplier;
        if (!double.IsFinite(value))
        {
            // A huge number times its suffix overflows to infinity (1e308E): not a value a metric can carry.
            value = 0;
            return false;
        }
        return true;
    }

    // Longest suffixes first so "Mi" wins over "m"-style single letters.
    private static readonly (string Suffix, double Factor)[] Suffixes =
    [
        ("Ki", 1024d), ("Mi", 1024d * 1024), ("Gi", 1024d * 1024 * 1024), ("Ti", 1024d * 1024 * 1024 * 1024),
        ("Pi", 1024d * 1024 * 1024 * 1024 * 1024), ("Ei", 1024d * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ];
}
