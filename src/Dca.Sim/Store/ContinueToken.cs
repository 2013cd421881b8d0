using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Dca.Sim.Store;

/// <summary>
/// The opaque continue token, shaped like the real server's: base64 of
/// <c>{"v":"meta.k8s.io/v1","rv":N,"start":"namespace/name\u0000"}</c> — the snapshot to read and
/// the key to resume after.
/// </summary>
internal readonly record struct ContinueToken(long ResourceVersion, string Namespace, string Name)
{
    public string Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("v", "meta.k8s.io/v1");
            writer.WriteNumber("rv", ResourceVersion);
            writer.WriteString("start", Namespace + "/" + Name + "\0");
            writer.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    public static ContinueToken Decode(string token)
    {
        try
        {
            var bytes = Base64Url.DecodeFromChars(token);
            var reader = new Utf8JsonReader(bytes);
            long rv = -1;
            string? start = null;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "rv":
                        rv = reader.GetInt64();
                        break;
                    case "start":
                        start = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            var slash = start?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            if (rv < 0 || slash < 0)
            {
                throw Invalid();
            }
            return new ContinueToken(rv, start![..slash], start[(slash + 1)..].TrimEnd('\0'));
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            throw Invalid();
        }
    }

    private static StatusException Invalid() =>
        StatusException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
