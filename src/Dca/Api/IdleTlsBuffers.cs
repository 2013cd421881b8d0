using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Dca.Api;

/// <summary>
/// Lets OpenSSL free a connection's record buffers while it is idle (<c>SSL_MODE_RELEASE_BUFFERS</c>, as nginx sets
/// on every connection). Without it each TLS connection keeps a ~17 KB read and a ~17 KB write buffer for its whole
/// life, although a node agent's connection carries one small request a minute: ~7 MB for 200 connections, a fifth of
/// the 5k profile's memory budget, and 350 MB for 10,000. The buffers are allocated again for each record, from
/// glibc's free lists. <see cref="SslStream"/> has no setting for the mode, so the SSL object is reached through
/// the runtime's private members (<c>SslStream._securityContext</c>: in .NET 10 the SSL object's <c>SafeSslHandle</c>, before
/// that a context whose <c>SslContext</c> property holds it);
/// where they or OpenSSL cannot be found (another runtime, another platform), connections keep their buffers and
/// <see cref="Unavailable"/> says why.
/// </summary>
internal static unsafe partial class IdleTlsBuffers
{
    private const int SslCtrlMode = 33;          // SSL_CTRL_MODE, openssl/ssl.h (1.0 to 3.x)
    private const long SslModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS
    private const int RtldLazy = 1, RtldNoLoad = 4;

    // The names the runtime's OpenSSL shim tries on Linux (after CLR_OPENSSL_VERSION_OVERRIDE), in its order.
    private static readonly string[] s_libraries = ["libssl.so.3", "libssl.so.1.1", "libssl.so.1.0.2", "libssl.so.1.0.0", "libssl.so.10"];

    private static readonly Lazy<string?> s_unavailable = new(Find);
    private static FieldInfo? s_securityContext;
    private static PropertyInfo? s_sslHandle;
    private static Type? s_sslHandleType;
    private static delegate* unmanaged<nint, int, long, nint, long> s_sslCtrl;
    private static delegate* unmanaged<nint, int, long, nint, long> s_contextCtrl;
    private static delegate* unmanaged<nint, nint> s_contextOf;
    private static long s_released;
    private static int s_reported;

    /// <summary>
    /// Why buffers cannot be released here, or null when they are. Ask only after a TLS handshake: the runtime loads
    /// OpenSSL on first use, and only a loaded OpenSSL is looked for.
    /// </summary>
    public static string? Unavailable => s_unavailable.Value;

    /// <summary>TLS connections whose idle buffers OpenSSL frees.</summary>
    public static long Released => Interlocked.Read(ref s_released);

    /// <summary>
    /// Connection middleware, after <c>UseHttps</c>: sets the mode once the handshake is done, before any request is
    /// read. Logs once, at the first connection, when that is not possible.
    /// </summary>
    public static ConnectionDelegate Connections(ConnectionDelegate next, ILogger logger) => connection =>
    {
        if (connection.Features.Get<ISslStreamFeature>()?.SslStream is { } stream && !TryRelease(stream)
            && Unavailable is { } reason && Interlocked.Exchange(ref s_reported, 1) == 0)
        {
            Log.Unavailable(logger, reason);
        }
        return next(connection);
    };

    /// <summary>Sets <c>SSL_MODE_RELEASE_BUFFERS</c> on the stream's SSL object; false where that is not possible.</summary>
    public static bool TryRelease(SslStream stream)
    {
        if (Unavailable is not null)
        {
            return false;
        }
        try
        {
            if (SslOf(stream) is not { } ssl)
            {
                return false;
            }
            _ = Control(ssl, SslModeReleaseBuffers, onContext: true);
            Interlocked.Increment(ref s_released);
            return true;
        }
        catch (Exception e) when (e is ObjectDisposedException or TargetInvocationException or TargetException or InvalidCastException)
        {
            // The connection closed during the handshake's last step: nothing to release.
            return false;
        }
    }

    /// <summary>The stream's OpenSSL mode bits (<c>SSL_get_mode</c>), null where it cannot be read: for tests.</summary>
    internal static long? Mode(SslStream stream) =>
        Unavailable is null && SslOf(stream) is { } ssl ? Control(ssl, 0, onContext: false) : null;

    private static SafeHandle? SslOf(SslStream stream)
    {
        var context = s_securityContext!.GetValue(stream);
        var ssl = s_sslHandle is not null ? s_sslHandle.GetValue(context) as SafeHandle
            : s_sslHandleType!.IsInstanceOfType(context) ? (SafeHandle)context! : null;
        return ssl is null || ssl.IsInvalid ? null : ssl;
    }

    /// <summary>
    /// <c>SSL_ctrl(SSL_CTRL_MODE)</c>: adds the bits and returns the mode. With <paramref name="onContext"/>, on the
    /// connection's <c>SSL_CTX</c> too (which the runtime caches per certificate): from OpenSSL 3.2 a connection's write
    /// record layer takes the mode when the handshake creates it, so only later connections free both buffers.
    /// </summary>
    private static long Control(SafeHandle ssl, long bits, bool onContext)
    {
        var added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            var handle = ssl.DangerousGetHandle();
            if (onContext && s_contextOf(handle) is var context and not 0 && (s_contextCtrl(context, SslCtrlMode, 0, 0) & bits) != bits)
            {
                _ = s_contextCtrl(context, SslCtrlMode, bits, 0);
            }
            return s_sslCtrl(handle, SslCtrlMode, bits, 0);
        }
        finally
        {
            if (added)
            {
                ssl.DangerousRelease();
            }
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Both members are named as constants, which the trimmer and ILC keep; if a runtime lacks them, Find says so and nothing else changes.")]
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "The type name is a constant, kept by the trimmer and ILC.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The type is named as a constant above, kept with its properties.")]
    [DynamicDependency("_securityContext", typeof(SslStream))]
    private static string? Find()
    {
        try
        {
            return FindMembers();
        }
        catch (Exception e)
        {
            // Whatever this runtime or libc does not have: connections keep their buffers, nothing else changes.
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static string? FindMembers()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux: SslStream does not use OpenSSL";
        }
        s_securityContext = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        var contextType = Type.GetType("System.Net.Security.SafeDeleteSslContext, System.Net.Security", throwOnError: false);
        var handleType = Type.GetType("Microsoft.Win32.SafeHandles.SafeSslHandle, System.Net.Security", throwOnError: false);
        if (contextType?.GetProperty("SslContext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } property
            && typeof(SafeHandle).IsAssignableFrom(property.PropertyType))
        {
            s_sslHandle = property; // .NET 8 and 9: the context holds the SSL object's handle
        }
        else if (contextType is not null && handleType is not null && contextType.IsAssignableFrom(handleType))
        {
            s_sslHandleType = handleType; // .NET 10: the context is the SSL object's handle
        }
        if (s_securityContext is null || (s_sslHandle is null && s_sslHandleType is null))
        {
            return $"this runtime ({Environment.Version}) keeps SslStream's OpenSSL object where it is not looked for";
        }
        // Only a library already loaded (RTLD_NOLOAD), and only one: another OpenSSL's SSL_ctrl on this one's object would be fatal.
        var names = Environment.GetEnvironmentVariable("CLR_OPENSSL_VERSION_OVERRIDE") is { Length: > 0 } version
            ? [$"libssl.so.{version}", .. s_libraries] : s_libraries;
        var loaded = names.Distinct(StringComparer.Ordinal).Select(name => DlOpen(name, RtldLazy | RtldNoLoad)).Where(handle => handle != 0).Distinct().ToList();
        if (loaded.Count != 1)
        {
            return loaded.Count == 0 ? "no libssl loaded" : "more than one libssl loaded";
        }
        if (!NativeLibrary.TryGetExport(loaded[0], "SSL_ctrl", out var ctrl) || !NativeLibrary.TryGetExport(loaded[0], "SSL_CTX_ctrl", out var contextCtrl)
            || !NativeLibrary.TryGetExport(loaded[0], "SSL_get_SSL_CTX", out var contextOf))
        {
            return "the loaded libssl lacks SSL_ctrl, SSL_CTX_ctrl or SSL_get_SSL_CTX";
        }
        s_sslCtrl = (delegate* unmanaged<nint, int, long, nint, long>)ctrl;
        s_contextCtrl = (delegate* unmanaged<nint, int, long, nint, long>)contextCtrl;
        s_contextOf = (delegate* unmanaged<nint, nint>)contextOf;
        return null;
    }

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string file, int mode);

    private static partial class Log
    {
        [LoggerMessage(1220, LogLevel.Information, "TLS connections keep their OpenSSL buffers while idle (~34 KB each): {Reason}")]
        public static partial void Unavailable(ILogger logger, string reason);
    }
}
