using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Dca.Sim.Scenarios;

/// <summary>Builds one object's JSON bytes with a per-thread reusable buffer and writer.</summary>
internal static class JsonBuilder
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Build<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        write(writer, state);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static string Time(DateTimeOffset t) => Store.ObjectStore.Timestamp(t);

    public static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    public static void Labels(Utf8JsonWriter w, string property, IEnumerable<KeyValuePair<string, string>> labels)
    {
        w.WriteStartObject(property);
        foreach (var (k, v) in labels)
        {
            w.WriteString(k, v);
        }
        w.WriteEndObject();
    }

    /// <summary>Writes the standard metadata head: name, (generateName), namespace, uid, resourceVersion, creationTimestamp.</summary>
    public static void MetaHead(Utf8JsonWriter w, string name, string? ns, string uid, long rv, DateTimeOffset created, string? generateName = null)
    {
        w.WriteString("name", name);
        if (generateName is not null)
        {
            w.WriteString("generateName", generateName);
        }
        if (ns is not null)
        {
            w.WriteString("namespace", ns);
        }
        w.WriteString("uid", uid);
        w.WriteString("resourceVersion", Rv(rv));
        w.WriteString("creationTimestamp", Time(created));
    }

    public static void OwnerReference(Utf8JsonWriter w, string apiVersion, string kind, string name, string uid, bool controller)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", apiVersion);
        w.WriteString("kind", kind);
        w.WriteString("name", name);
        w.WriteString("uid", uid);
        if (controller)
        {
            w.WriteBoolean("controller", true);
            w.WriteBoolean("blockOwnerDeletion", true);
        }
        w.WriteEndObject();
    }

    /// <summary>A managedFields entry (the shape server-side apply bookkeeping leaves on every object).</summary>
    public static void ManagedField(Utf8JsonWriter w, string manager, string operation, DateTimeOffset time, string? subresource, Action<Utf8JsonWriter> fields)
    {
        w.WriteStartObject();
        w.WriteString("manager", manager);
        w.WriteString("operation", operation);
        w.WriteString("apiVersion", "v1");
        w.WriteString("time", Time(time));
        w.WriteString("fieldsType", "FieldsV1");
        w.WriteStartObject("fieldsV1");
        fields(w);
        w.WriteEndObject();
        if (subresource is not null)
        {
            w.WriteString("subresource", subresource);
        }
        w.WriteEndObject();
    }

    /// <summary>Writes <c>{"f:a":{},"f:b":{}}</c>-style field sets.</summary>
    public static void Fields(Utf8JsonWriter w, params string[] names)
    {
        foreach (var n in names)
        {
            w.WriteStartObject(n);
            w.WriteEndObject();
        }
    }
}
