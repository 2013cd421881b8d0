
namespace Dca.Hosting;

/// <summary>Start-up and shutdown log lines shared by the binaries.</summary>
internal static partial class StartupLog
{
    [LoggerMessage(1, LogLevel.Information, "{Name} {Version} started; listening on {Addresses}")]
    public static partial void Started(ILogger logger, string name, string version, string addresses);
}
