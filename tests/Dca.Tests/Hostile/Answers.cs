using System.Text.RegularExpressions;

namespace Dca.Tests.Hostile;

/// <summary>What a hostile request may get back: a 4xx (or a handled 2xx) with a reason, never a bare 5xx.</summary>
internal static partial class Answers
{
    /// <summary>
    /// The cluster agent's answers for a well-formed request about a name it does not know: 500 with the reason, as
    /// Datadog's handlers answer them (PROTOCOL.md §1.3), which node agents expect. Any other 5xx is a failure.
    /// </summary>
    [GeneratedRegex(@"^(could not find node .* in the cluster agent's store|could not find namespace .* in the cluster agent's store|node .* is unknown)\n$", RegexOptions.Singleline)]
    private static partial Regex DocumentedUnknownName();

    /// <summary>Fails unless <paramref name="response"/> is a handled answer or a 4xx, with a reason in its body.</summary>
    /// <param name="response">The answer.</param>
    /// <param name="request">What was sent, for the failure message.</param>
    /// <param name="head">A HEAD request: the answer has no body by definition.</param>
    /// <param name="serverMayRefuse">
    /// Kestrel may refuse the request itself (malformed request line, too long, invalid characters) before any route
    /// runs: a 4xx without a body, which only the server's own settings could change.
    /// </param>
    public static void AssertHandled(RawResponse response, string request, bool head = false, bool serverMayRefuse = false)
    {
        if (serverMayRefuse && response.Status is >= 400 and < 500 && response.Body.Length == 0)
        {
            return;
        }
        Assert.True(response.Status < 500 || DocumentedUnknownName().IsMatch(response.Body), $"{request} -> {response}");
        Assert.True(head || response.Body.Trim().Length > 0, $"{request} -> {response.Status} without a reason");
    }
}
