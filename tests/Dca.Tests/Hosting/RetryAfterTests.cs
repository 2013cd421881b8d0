using Dca.Http;

namespace Dca.Tests.Hosting;

public class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    private static TimeSpan? Of(string? value)
    {
        using var response = new HttpResponseMessage();
        if (value is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", value);
        }
        return RetryAfter.Of(response.Headers, Now, Max);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("0", 0)]
    [InlineData("3600", 30)]
    [InlineData("Sun, 06 Dec 2026 12:00:12 GMT", 12)]
    [InlineData("Sun, 06 Dec 2026 13:00:00 GMT", 30)]
    [InlineData("Sun, 06 Dec 2026 11:59:00 GMT", 0)]
    public void Of_SecondsOrADate_ClampedToTheLongestWait(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Of(value));

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("-5")]
    public void Of_NoneOrInvalid_IsNull(string? value) => Assert.Null(Of(value));
}
