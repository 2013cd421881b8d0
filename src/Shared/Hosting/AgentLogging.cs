using Microsoft.Extensions.Logging.Console;

namespace Dca.Hosting;

/// <summary>
/// Console logging shared by the three binaries: <c>DD_LOG_LEVEL</c> (the Datadog levels) and
/// <c>DD_LOG_FORMAT_JSON</c> for JSON lines. Logs go to standard error so that standard output stays
/// free for the local sink's JSON lines.
/// </summary>
internal static class AgentLogging
{
    public static readonly OptionDefinition LogLevelOption = new(
        "DD_LOG_LEVEL", "log-level", "info", "Log level: trace, debug, info, warn, error, critical or off");

    public static readonly OptionDefinition LogFormatJsonOption = new(
        "DD_LOG_FORMAT_JSON", null, "false", "Write logs as JSON lines");

    private static readonly Dictionary<string, LogLevel> s_levels = new(StringComparer.Ordinal)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["info"] = LogLevel.Information,
        ["warn"] = LogLevel.Warning,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["critical"] = LogLevel.Critical,
        ["off"] = LogLevel.None,
    };

    /// <summary>The validated logging settings.</summary>
    public sealed record Settings(LogLevel Level, bool Json);

    public static Settings Read(OptionSource options) =>
        new(options.Choice(LogLevelOption, s_levels), options.Bool(LogFormatJsonOption));

    public static void Configure(ILoggingBuilder logging, Settings settings)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(settings.Level);
        // The framework's own chatter stays at warning unless the operator asks for debug or trace.
        if (settings.Level >= LogLevel.Information)
        {
            logging.AddFilter("Microsoft", LogLevel.Warning);
        }
        // Kestrel logs a malformed request's raw text at debug ("bad request data: 'Authorization Bearer <token>'"), which
        // would put a client's token in the log; every event of that category is a debug one, so none is written.
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Information);
        if (settings.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>A logger factory for commands that run without a host (e.g. <c>dca status</c>).</summary>
    public static ILoggerFactory CreateFactory(Settings settings) => LoggerFactory.Create(b => Configure(b, settings));
}
