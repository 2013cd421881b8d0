namespace Dca.Hosting;

/// <summary>
/// A bad option value. The process prints the message on one line and exits with code 2. Secret options' values are
/// never in it, nor the credentials of a URL (<see cref="UrlCredentials"/>), whichever option or message holds one.
/// </summary>
internal sealed class OptionException(string message) : Exception(UrlCredentials.Hide(message))
{
    public static OptionException Invalid(OptionDefinition option, string? value, string reason) =>
        new(option.IsSecret || value is null
            ? $"invalid {option.DisplayName}: {reason}"
            : $"invalid {option.DisplayName}=\"{value}\": {reason}");
}
