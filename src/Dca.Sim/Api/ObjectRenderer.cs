using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>Writes objects, lists and tables in the representation the client negotiated.</summary>
internal sealed class ObjectRenderer(Representation representation, string metaVersion, ResourceType type, TableContext table)
{
    private IReadOnlyList<TableColumn>? _columns;

    public Representation Representation => representation;

    private IReadOnlyList<TableColumn> Columns => _columns ??= TableColumns.For(type);

    public string ContentType(bool list) => AcceptHeader.ContentType(representation, metaVersion, list);

    /// <summary>A single object (GET, POST, PUT, PATCH, DELETE answers and watch event objects).</summary>
    public void WriteObject(Utf8JsonWriter w, StoredObject obj, bool withColumns = true)
    {
        switch (representation)
        {
            case Representation.Metadata:
                WritePartial(w, obj);
                break;
            case Representation.Table:
                WriteTableStart(w, obj.ResourceVersion, null, withColumns);
                WriteRow(w, obj);
                w.WriteEndArray();
                w.WriteEndObject();
                break;
            default:
                w.WriteRawValue(obj.Json.Span, skipInputValidation: true);
                break;
        }
    }

    /// <summary>Opens a list body up to the start of its items (or rows); items follow with <see cref="WriteItem"/>.</summary>
    public void WriteListStart(Utf8JsonWriter w, long rv, string? continueToken, long? remaining)
    {
        if (representation == Representation.Table)
        {
            WriteTableStart(w, rv, continueToken, true);
            return;
        }
        w.WriteStartObject();
        w.WriteString("kind", representation == Representation.Metadata ? "PartialObjectMetadataList" : type.ListKind);
        w.WriteString("apiVersion", representation == Representation.Metadata ? "meta.k8s.io/" + metaVersion : type.ApiVersion);
        WriteListMeta(w, rv, continueToken, remaining);
        w.WriteStartArray("items");
    }

    public void WriteItem(Utf8JsonWriter w, StoredObject obj)
    {
        switch (representation)
        {
            case Representation.Table:
                WriteRow(w, obj);
                break;
            case Representation.Metadata:
                WritePartial(w, obj);
                break;
            default:
                w.WriteRawValue(obj.Json.Span, skipInputValidation: true);
                break;
        }
    }

    public static void WriteListEnd(Utf8JsonWriter w)
    {
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A BOOKMARK's object: only kind, apiVersion and metadata.resourceVersion.</summary>
    public void WriteBookmark(Utf8JsonWriter w, long rv, bool initialEventsEnd)
    {
        w.WriteStartObject();
        var partial = representation != Representation.Full;
        w.WriteString("kind", partial ? "PartialObjectMetadata" : type.Kind);
        w.WriteString("apiVersion", partial ? "meta.k8s.io/" + metaVersion : type.ApiVersion);
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", rv.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNull("creationTimestamp");
        if (initialEventsEnd)
        {
            w.WriteStartObject("annotations");
            w.WriteString("k8s.io/initial-events-end", "true");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WritePartial(Utf8JsonWriter w, StoredObject obj)
    {
        w.WriteStartObject();
        w.WriteString("kind", "PartialObjectMetadata");
        w.WriteString("apiVersion", "meta.k8s.io/" + metaVersion);
        w.WritePropertyName("metadata");
        w.WriteRawValue(obj.Metadata.Span, skipInputValidation: true);
        w.WriteEndObject();
    }

    private static void WriteListMeta(Utf8JsonWriter w, long rv, string? continueToken, long? remaining)
    {
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", rv.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (continueToken is not null)
        {
            w.WriteString("continue", continueToken);
        }
        if (remaining is { } r)
        {
            w.WriteNumber("remainingItemCount", r);
        }
        w.WriteEndObject();
    }

    private void WriteTableStart(Utf8JsonWriter w, long rv, string? continueToken, bool withColumns)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", "meta.k8s.io/" + metaVersion);
        WriteListMeta(w, rv, continueToken, null);
        w.WriteStartArray("columnDefinitions");
        if (withColumns)
        {
            foreach (var c in Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type);
                w.WriteString("format", c.Format);
                w.WriteString("description", c.Description);
                w.WriteNumber("priority", c.Priority);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteStartArray("rows");
    }

    private void WriteRow(Utf8JsonWriter w, StoredObject obj)
    {
        using var doc = obj.ToJsonDocument();
        w.WriteStartObject();
        w.WriteStartArray("cells");
        foreach (var c in Columns)
        {
            switch (c.Cell(doc.RootElement, table))
            {
                case null:
                    w.WriteNullValue();
                    break;
                case long n:
                    w.WriteNumberValue(n);
                    break;
                case double d:
                    w.WriteNumberValue(d);
                    break;
                case bool b:
                    w.WriteBooleanValue(b);
                    break;
                case var value:
                    w.WriteStringValue(value.ToString());
                    break;
            }
        }
        w.WriteEndArray();
        w.WritePropertyName("object");
        WritePartial(w, obj);
        w.WriteEndObject();
    }
}
