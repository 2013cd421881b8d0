namespace Dca.Hosting;

/// <summary>
/// One configuration option of a binary. Options are read from the environment under the Datadog
/// agents' names (<c>DD_</c> + the config key upper-cased, dots to underscores) so existing manifests
/// keep working; some also have a command-line flag, which wins over the environment.
/// </summary>
/// <param name="EnvironmentVariable">The environment variable, e.g. <c>DD_HEALTH_PORT</c>; null for flag-only options.</param>
/// <param name="Flag">The command-line flag without dashes, e.g. <c>kubeconfig</c>; null for environment-only options.</param>
/// <param name="Default">The default, as documented in <c>--help</c>; null when there is none.</param>
/// <param name="Description">One line for <c>--help</c>.</param>
/// <param name="IsSecret">True for tokens and keys: their values never appear in errors or logs.</param>
internal sealed record OptionDefinition(
    string? EnvironmentVariable,
    string? Flag,
    string? Default,
    string Description,
    bool IsSecret = false)
{
    /// <summary>The name an operator recognises in an error message.</summary>
    public string DisplayName => EnvironmentVariable ?? "--" + Flag;
}
