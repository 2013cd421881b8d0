using System.Text.RegularExpressions;

namespace Dca.Hosting;

/// <summary>
/// The user information of a URL (<c>https://user:password@host/</c>, e.g. in <c>DD_DD_URL</c> or a query API
/// endpoint behind a proxy) is a credential: it is sent, never shown. <see cref="Hide(string)"/> gives the text to show in
/// option errors, logs, statuses and error bodies.
/// </summary>
internal static partial class UrlCredentials
{
    /// <summary>
    /// <paramref name="text"/> with the user information of every URL in it, well-formed or not, replaced by <c>***</c>
    /// (up to the last <c>@</c> of the authority, so a password holding an unescaped <c>@</c> is hidden whole).
    /// </summary>
    public static string Hide(string text) => text.Contains("://", StringComparison.Ordinal) ? UserInfo().Replace(text, "***@") : text;

    /// <inheritdoc cref="Hide(string)"/>
    public static string Hide(Uri uri) => Hide(uri.ToString());

    [GeneratedRegex(@"(?<=://)[^/?#\s]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();
}
