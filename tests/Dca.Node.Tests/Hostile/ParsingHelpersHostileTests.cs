using Dca.Node.Collection;
using Dca.Node.Tagging;
using FsCheck;
using FsCheck.Xunit;

namespace Dca.Node.Tests.Hostile;

/// <summary>Quantities, image names and the labels-as-tags option with hostile text: a value or a clear refusal, never a throw.</summary>
public class ParsingHelpersHostileTests
{
    [Theory]
    [InlineData("1e308E")]
    [InlineData("1e308Ei")]
    [InlineData("179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000P")]
    public void TryParse_QuantityOverflowingADouble_IsRefused(string text)
    {
        var parsed = Quantity.TryParse(text, out var value);

        Assert.False(parsed, $"parsed as {value}");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("m")]
    [InlineData("Ki")]
    [InlineData("1.2.3Mi")]
    [InlineData("0x1F")]
    [InlineData("１２")]
    public void TryParse_NotAQuantity_IsRefused(string text) => Assert.False(Quantity.TryParse(text, out _));

    [Property(MaxTest = 500, Replay = "(1111111111,2222222223)")]
    public bool TryParse_AnyText_NeverThrowsAndParsesOnlyToFiniteValues(string text) =>
        !Quantity.TryParse(text, out var value) || double.IsFinite(value);

    [Property(MaxTest = 500, Replay = "(4444444444,5555555555)")]
    public bool TryParse_NumberWithASuffix_NeverThrowsAndParsesOnlyToFiniteValues(double number, NonNegativeInt suffix)
    {
        string[] suffixes = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        var text = number.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + suffixes[suffix.Get % suffixes.Length];
        return !Quantity.TryParse(text, out var value) || double.IsFinite(value);
    }

    [Property(MaxTest = 500, Replay = "(6666666666,8888888889)")]
    public bool Parse_AnyImageReference_NeverThrowsAndGivesATag(string image) =>
        ImageName.Parse(image) is not { } parsed || (parsed.Tag.Length > 0 && parsed.Name is not null && parsed.Short is not null);

    [Theory]
    [InlineData("@sha256:abc")]
    [InlineData(":")]
    [InlineData("/")]
    [InlineData("a:")]
    [InlineData("registry:5000/")]
    [InlineData("a@sha")]
    [InlineData("::::")]
    public void Parse_OddImageReferences_GiveATag(string image) =>
        Assert.True(ImageName.Parse(image) is null or { Tag.Length: > 0 });

    [Property(MaxTest = 300, Replay = "(9999999999,1234567891)")]
    public void Parse_AnyLabelsAsTagsOption_ParsesOrFormatException(string json)
    {
        try
        {
            LabelsAsTags.Parse(json);
        }
        catch (FormatException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Theory]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    [InlineData("{\"app\":1}")]
    [InlineData("{\"app\":null}")]
    [InlineData("{\"a\":\"x\",\"a\":\"y\"}")]
    [InlineData("{\"\\uD800\":\"x\"}")]
    [InlineData("{\"app\":\"\\uDC00\"}")]
    [InlineData("{\"app\":\"+\"}")]
    [InlineData("{\"app\":\",,,\"}")]
    public void Parse_HostileLabelsAsTagsOption_ParsesOrFormatException(string json)
    {
        try
        {
            LabelsAsTags.Parse(json).Apply([new("app", "v"), new("a", null)], [], []);
        }
        catch (FormatException)
        {
        }
    }
}
