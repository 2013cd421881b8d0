namespace Dca.Hosting;

/// <summary>A bad option value. The process prints the message on one line and exits with code 2.</summary>
internal sealed class OptionException(string message) : Exception(message)
{
    public static OptionException Invalid(OptionDefinition option, string? value, string reason) =>
        new(option.IsSecret || value is null
            ? $"invalid {option.DisplayName}: {reason}"
            : $"invalid {option.DisplayName}=\"{value}\": {reason}");
}
