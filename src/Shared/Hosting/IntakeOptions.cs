namespace Dca.Hosting;

/// <summary>The Datadog intake options both agents take (<c>DD_API_KEY</c>, <c>DD_SITE</c>, <c>DD_DD_URL</c>).</summary>
internal static class IntakeOptions
{
    public static readonly OptionDefinition ApiKey = new("DD_API_KEY", null, null,
        "Datadog API key; without it the output (events, service checks, series) is written as JSON lines on standard output", IsSecret: true);

    public static readonly OptionDefinition Site = new("DD_SITE", null, "datadoghq.com", "Datadog site: the intake is https://api.<site>");

    public static readonly OptionDefinition DdUrl = new("DD_DD_URL", null, null, "Intake base URL, overriding DD_SITE");

    /// <summary>
    /// The intake URL from <c>DD_DD_URL</c> or <c>DD_SITE</c>, checked by <paramref name="resolve"/> (site, url →
    /// URI, or an <see cref="ArgumentException"/> with the reason), which stops the process naming the option.
    /// </summary>
    public static Uri ReadUri(OptionSource source, Func<string, string?, Uri> resolve)
    {
        var url = source.OptionalString(DdUrl);
        try
        {
            return resolve(source.String(Site), url);
        }
        catch (ArgumentException e)
        {
            throw source.Invalid(url is null ? Site : DdUrl, url ?? source.String(Site), e.Message);
        }
    }
}
