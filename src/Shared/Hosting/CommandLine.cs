namespace Dca.Hosting;

/// <summary>
/// The parsed command line: <c>--flag value</c> or <c>--flag=value</c> for known flags, <c>--help</c>,
/// <c>--version</c>, and positional words (sub-commands such as <c>dca status</c>).
/// </summary>
internal sealed record CommandLine(
    IReadOnlyDictionary<string, string> Flags,
    IReadOnlyList<string> Positional,
    bool Help,
    bool Version)
{
    /// <summary>Parses <paramref name="args"/> against the known options; an unknown flag is an <see cref="OptionException"/>.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<OptionDefinition> options)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<string>();
        bool help = false, version = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }
            if (arg is "--version")
            {
                version = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positional.Add(arg);
                continue;
            }
            var body = arg[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq >= 0 ? body[..eq] : body;
            var option = options.FirstOrDefault(o => o.Flag == name)
                ?? throw new OptionException($"unknown flag --{name} (see --help)");
            string value;
            if (eq >= 0)
            {
                value = body[(eq + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new OptionException($"flag --{name} needs a value");
            }
            flags[option.Flag!] = value;
        }
        return new CommandLine(flags, positional, help, version);
    }
}
