using System.Collections;
using System.Globalization;

namespace Dca.Hosting;

/// <summary>
/// Reads option values from command-line flags and environment variables, with typed parsers that
/// reject bad values with an <see cref="OptionException"/> naming the option.
/// </summary>
internal sealed class OptionSource
{
    private readonly Dictionary<string, string> _flags;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public OptionSource(IReadOnlyDictionary<string, string> flags, IReadOnlyDictionary<string, string> environment)
    {
        _flags = new Dictionary<string, string>(flags, StringComparer.Ordinal);
        _environment = environment;
    }

    /// <summary>The process environment as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                result[key] = value;
            }
        }
        return result;
    }

    /// <summary>The raw value: the flag if given, else the environment variable, else the default.</summary>
    public string? Raw(OptionDefinition option)
    {
        if (option.Flag is not null && _flags.TryGetValue(option.Flag, out var flagValue))
        {
            return flagValue;
        }
        if (option.EnvironmentVariable is not null && _environment.TryGetValue(option.EnvironmentVariable, out var envValue)
            && envValue.Length > 0)
        {
            return envValue;
        }
        return option.Default;
    }

    /// <summary>A bad-value error naming the flag when the value came from it, else the environment variable.</summary>
    public OptionException Invalid(OptionDefinition option, string? value, string reason) =>
        OptionException.Invalid(option.Flag is not null && _flags.ContainsKey(option.Flag) ? option with { EnvironmentVariable = null } : option, value, reason);

    /// <summary>An environment variable outside the option table (e.g. Kubernetes-injected service env).</summary>
    public string? Environment(string name) => _environment.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public string String(OptionDefinition option) =>
        Raw(option) ?? throw Invalid(option, null, "a value is required");

    public string? OptionalString(OptionDefinition option) => Raw(option) is { Length: > 0 } v ? v : null;

    public int Port(OptionDefinition option)
    {
        var raw = Raw(option);
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw Invalid(option, raw, "expected a port number between 0 and 65535 (0 picks a free port)");
        }
        return port;
    }

    /// <summary>A port a server listens on: 1-65535 (routes are chosen by port, so it must be known up front).</summary>
    public int ListenPort(OptionDefinition option)
    {
        var raw = Raw(option);
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid(option, raw, "expected a port number between 1 and 65535");
        }
        return port;
    }

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (no legacy short forms like "10.1").</summary>
    public System.Net.IPAddress? IpAddress(OptionDefinition option)
    {
        var raw = Raw(option);
        if (raw is not { Length: > 0 })
        {
            return null;
        }
        var wellFormed = raw.Contains(':', StringComparison.Ordinal) || raw.Count(c => c == '.') == 3;
        return wellFormed && System.Net.IPAddress.TryParse(raw, out var ip) ? ip : throw Invalid(option, raw, "expected an IP address");
    }

    public int Int(OptionDefinition option, int min, int max)
    {
        var raw = Raw(option);
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(option, raw, $"expected an integer between {min} and {max}");
        }
        return value;
    }

    public double Double(OptionDefinition option, double min, double max)
    {
        var raw = Raw(option);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || value < min || value > max)
        {
            throw Invalid(option, raw, $"expected a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        }
        return value;
    }

    /// <summary>A boolean as the Datadog agents accept it (Go's strconv.ParseBool spellings).</summary>
    public bool Bool(OptionDefinition option)
    {
        var raw = Raw(option);
        switch (raw?.Trim().ToLowerInvariant())
        {
            case "1" or "t" or "true" or "yes" or "y" or "on":
                return true;
            case "0" or "f" or "false" or "no" or "n" or "off":
                return false;
            default:
                throw Invalid(option, raw, "expected true or false");
        }
    }

    /// <summary>A duration in whole seconds, the unit the Datadog agents use for their *_seconds and lease options.</summary>
    public TimeSpan Seconds(OptionDefinition option, int min, int max) => TimeSpan.FromSeconds(Int(option, min, max));

    /// <summary>
    /// A duration as Go writes one (<c>30s</c>, <c>10m</c>, <c>1m30s</c>, <c>500ms</c>, <c>1h</c>), the form of the
    /// Datadog agents' duration options, or a bare number of seconds (Go would read a bare number as
    /// nanoseconds, which no one means).
    /// </summary>
    public TimeSpan Duration(OptionDefinition option, TimeSpan min, TimeSpan max)
    {
        var raw = Raw(option);
        if (ParseDuration(raw?.Trim()) is { } value && value >= min && value <= max)
        {
            return value;
        }
        throw Invalid(option, raw, $"expected a duration between {Describe(min)} and {Describe(max)} (e.g. 30s, 10m, or seconds)");
    }

    private static string Describe(TimeSpan t) => t.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    internal static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return double.IsFinite(seconds) && seconds >= 0 && seconds < 1e9 ? TimeSpan.FromSeconds(seconds) : null;
        }
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            if (!double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return null;
            }
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }
            double? scale = text[unitStart..i] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (scale is not { } factor || amount * factor >= 1e9)
            {
                return null;
            }
            total += TimeSpan.FromSeconds(amount * factor);
        }
        return total;
    }

    public T Choice<T>(OptionDefinition option, IReadOnlyDictionary<string, T> choices)
    {
        var raw = Raw(option);
        if (raw is not null && choices.TryGetValue(raw.Trim().ToLowerInvariant(), out var value))
        {
            return value;
        }
        throw Invalid(option, raw, "expected one of " + string.Join(", ", choices.Keys));
    }
}
