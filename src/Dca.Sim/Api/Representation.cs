namespace Dca.Sim.Api;

/// <summary>What the client's Accept header asks the object to look like.</summary>
internal enum Representation
{
    /// <summary>The full object (<c>application/json</c>).</summary>
    Full,

    /// <summary><c>as=PartialObjectMetadata[List]</c>: apiVersion, kind and metadata only.</summary>
    Metadata,

    /// <summary><c>as=Table</c>: server-side printing for kubectl.</summary>
    Table,
}

/// <summary>Reads the Accept header the way the API server negotiates: the first range it can serve wins.</summary>
internal static class AcceptHeader
{
    public static (Representation Representation, string MetaVersion) Parse(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return (Representation.Full, "v1");
        }
        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            if (parts[0] is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }
            string? kind = null, group = null, version = null;
            foreach (var p in parts.Skip(1))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    continue;
                }
                var (k, v) = (p[..eq], p[(eq + 1)..]);
                switch (k)
                {
                    case "as":
                        kind = v;
                        break;
                    case "g":
                        group = v;
                        break;
                    case "v":
                        version = v;
                        break;
                }
            }
            if (kind is null)
            {
                return (Representation.Full, "v1");
            }
            if (group != "meta.k8s.io" || version is not ("v1" or "v1beta1"))
            {
                continue;
            }
            switch (kind)
            {
                case "Table":
                    return (Representation.Table, version);
                case "PartialObjectMetadata" or "PartialObjectMetadataList":
                    return (Representation.Metadata, version);
            }
        }
        return (Representation.Full, "v1");
    }

    public static string ContentType(Representation representation, string version, bool list) => representation switch
    {
        Representation.Table => $"application/json;as=Table;v={version};g=meta.k8s.io",
        Representation.Metadata => $"application/json;as={(list ? "PartialObjectMetadataList" : "PartialObjectMetadata")};g=meta.k8s.io;v={version}",
        _ => "application/json",
    };
}
