using Dca.Hosting;

namespace Dca.Tests.Hosting;

public class WorkingSetTrimmerTests
{
    [Theory]
    [InlineData("55d0e0a9f000-55d0e0abd000 r-xp 0001e000 fe:00 5310095                    /usr/bin/dca", 0x55d0e0a9f000UL, 0x55d0e0abd000UL)]
    [InlineData("7f9306800000-7f93068c5000 r--p 00000000 fe:00 332131 /usr/lib/x86_64-linux-gnu/libcrypto.so.3", 0x7f9306800000UL, 0x7f93068c5000UL)]
    public void ParseTrimmable_ReadOnlyPrivateFileMappings(string line, ulong start, ulong end) =>
        Assert.Equal((start, end), WorkingSetTrimmer.ParseTrimmable(line));

    [Theory]
    [InlineData("56306fae7000-56306fb1e000 rw-p 01047000 fe:00 5310095 /usr/bin/dca")] // writable data: dirty pages
    [InlineData("56306fb1e000-56306ffd6000 rw-p 00000000 00:00 0")] // anonymous
    [InlineData("7ffd1c9d5000-7ffd1c9f6000 rw-p 00000000 00:00 0                          [stack]")]
    [InlineData("7ffd1c9fa000-7ffd1c9fc000 r-xp 00000000 00:00 0                          [vdso]")]
    [InlineData("7f0000000000-7f0000001000 r--s 00000000 fe:00 12 /dev/shm/shared")] // shared mapping
    [InlineData("garbage")]
    public void ParseTrimmable_LeavesEverythingElse(string line) => Assert.Null(WorkingSetTrimmer.ParseTrimmable(line));

    [Fact]
    public void Trim_OnThisProcess_DoesNotFail()
    {
        var (before, after) = WorkingSetTrimmer.Trim();
        Assert.True(before >= 0 && after >= 0);
    }
}
