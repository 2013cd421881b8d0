namespace Dca.Protocol;

/// <summary>What options records print: never a token or key, and a URL without its user information.</summary>
internal static class Redacted
{
    /// <summary><paramref name="uri"/> with any <c>user:password@</c> shown as <c>***@</c>.</summary>
    public static string Url(Uri uri) =>
        uri.UserInfo.Length == 0 ? uri.ToString() : new UriBuilder(uri) { UserName = "***", Password = "" }.Uri.ToString();
}
