using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Dca.Hosting;

/// <summary>What a binary is, for <c>--version</c> and <c>--help</c>.</summary>
/// <param name="Name">The executable's name (<c>dca</c>, <c>dca-node</c>, <c>dca-sim</c>).</param>
/// <param name="Summary">One line saying what it does.</param>
/// <param name="Usage">Usage lines (sub-commands), printed under the summary.</param>
internal sealed record AgentDescription(string Name, string Summary, IReadOnlyList<string> Usage);

/// <summary>What a binary's main body receives: the parsed command line and its option source.</summary>
internal sealed record AgentContext(AgentDescription Description, CommandLine CommandLine, OptionSource Options);

/// <summary>
/// The common entry point of the three binaries: <c>--version</c> and <c>--help</c> answered before
/// anything else is built (so they take milliseconds), options validated before work starts, and a
/// bad option reported on one line naming it, with exit code 2.
/// </summary>
internal static class AgentProgram
{
    /// <summary>Exit code for a bad option or command line.</summary>
    public const int UsageExitCode = 2;

    public static async Task<int> RunAsync(
        AgentDescription description,
        string[] args,
        IReadOnlyList<OptionDefinition> options,
        Func<AgentContext, Task<int>> run)
    {
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args, options);
        }
        catch (OptionException ex)
        {
            return Fail(description, ex.Message);
        }
        if (commandLine.Version)
        {
            Console.Out.WriteLine(VersionLine(description.Name));
            return 0;
        }
        if (commandLine.Help)
        {
            Console.Out.Write(Help(description, options));
            return 0;
        }
        try
        {
            return await run(new AgentContext(description, commandLine, new OptionSource(commandLine.Flags, OptionSource.ProcessEnvironment())));
        }
        catch (OptionException ex)
        {
            return Fail(description, ex.Message);
        }
    }

    private static int Fail(AgentDescription description, string message)
    {
        Console.Error.WriteLine($"{description.Name}: {message}");
        return UsageExitCode;
    }

    /// <summary>The product version, e.g. <c>0.1.0+3f2a1c9</c> (the commit is stamped by the build script).</summary>
    public static string ProductVersion =>
        typeof(AgentProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string VersionLine(string name) =>
        $"{name} {ProductVersion} ({RuntimeInformation.FrameworkDescription}, {RuntimeInformation.RuntimeIdentifier}{(RuntimeFeature.IsDynamicCodeSupported ? "" : ", native")})";

    public static string Help(AgentDescription description, IReadOnlyList<OptionDefinition> options)
    {
        var sb = new StringBuilder();
        sb.Append(description.Name).Append(" - ").AppendLine(description.Summary).AppendLine();
        sb.AppendLine("Usage:");
        foreach (var line in description.Usage)
        {
            sb.Append("  ").AppendLine(line);
        }
        sb.AppendLine("  " + description.Name + " --version | --help").AppendLine();
        sb.AppendLine("Options (command-line flags win over environment variables):");
        foreach (var option in options)
        {
            var names = string.Join(", ", new[] { option.Flag is null ? null : "--" + option.Flag, option.EnvironmentVariable }.Where(n => n is not null));
            sb.Append("  ").AppendLine(names);
            sb.Append("      ").Append(option.Description);
            if (option.Default is { Length: > 0 } d)
            {
                sb.Append(" (default: ").Append(option.IsSecret ? "<hidden>" : d).Append(')');
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
