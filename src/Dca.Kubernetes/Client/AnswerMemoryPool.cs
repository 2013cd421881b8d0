using System.Buffers;

namespace Dca.Kubernetes.Client;

/// <summary>
/// The segments answers are read into (<c>KubernetesClient.ReadAsync</c>): ordinary sizes from the
/// shared pool; larger ones, which the serializer asks for only to hold one long value (a 250 KiB
/// annotation: 128 and 256 KiB), allocated and left to the collector. The shared pool would keep
/// those for good: three annotated objects in a list left ~1.5 MB pooled after start-up.
/// </summary>
internal sealed class AnswerMemoryPool : MemoryPool<byte>
{
    public const int MaxPooledBytes = 64 * 1024;

    public static readonly AnswerMemoryPool Instance = new();

    public override int MaxBufferSize => Array.MaxLength;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
        minBufferSize <= MaxPooledBytes ? Shared.Rent(minBufferSize) : new Unpooled(GC.AllocateUninitializedArray<byte>(minBufferSize));

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Unpooled(byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => array;

        public void Dispose()
        {
        }
    }
}
