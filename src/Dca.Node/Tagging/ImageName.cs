namespace Dca.Node.Tagging;

/// <summary>
/// An image reference split as the Datadog agent splits it: the digest dropped, the tag after the last
/// <c>:</c> that follows the last <c>/</c> (<c>latest</c> when there is none), <c>image_name</c> the rest
/// including the registry, <c>short_image</c> its last path segment. The string is used as the kubelet
/// reports it (no <c>docker.io/library/</c> normalisation).
/// </summary>
internal readonly record struct ImageName(string Name, string Short, string Tag)
{
    public static ImageName? Parse(string? image)
    {
        if (image is not { Length: > 0 } || image.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return null;
        }
        var at = image.IndexOf("@sha", StringComparison.Ordinal);
        if (at > 0)
        {
            image = image[..at];
        }
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        var tag = "";
        if (colon > slash)
        {
            tag = image[(colon + 1)..];
            image = image[..colon];
        }
        var shortName = slash >= 0 ? image[(slash + 1)..] : image;
        return new ImageName(image, shortName, tag.Length > 0 ? tag : "latest");
    }
}
