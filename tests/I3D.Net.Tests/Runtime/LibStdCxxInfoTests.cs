using System.Text;
using I3D.Net.Runtime;

namespace I3D.Net.Tests.Runtime;

public class LibStdCxxInfoTests
{
    [Fact]
    public void NewestGlibcxxVersion_picks_the_highest_three_part_version()
    {
        var binary = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4\0GLIBCXX_3.4.9\0junk GLIBCXX_3.4.30\0GLIBCXX_3.4.29\0GLIBCXX_DEBUG_MESSAGE_LENGTH\0");

        LibStdCxxInfo.NewestGlibcxxVersion(binary).Should().Be(new Version(3, 4, 30));
    }

    [Fact]
    public void NewestGlibcxxVersion_is_null_without_symbol_versions()
    {
        LibStdCxxInfo.NewestGlibcxxVersion(Encoding.ASCII.GetBytes("\x7f" + "ELF GLIBC_2.36 CXXABI_1.3")).Should().BeNull();
    }

    [Theory]
    [InlineData(3, 4, 30, true)]
    [InlineData(3, 4, 31, true)]
    [InlineData(3, 4, 32, false)]
    [InlineData(3, 4, 33, false)]
    public void IsTooOld_compares_with_GLIBCXX_3_4_32(int major, int minor, int build, bool tooOld)
    {
        new LibStdCxxInfo("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", new Version(major, minor, build)).IsTooOld.Should().Be(tooOld);
    }

    [Fact]
    public void IsTooOld_is_false_when_nothing_was_found()
    {
        LibStdCxxInfo.NotFound.IsTooOld.Should().BeFalse();
    }

    [Fact]
    public void FindMapped_reads_the_path_from_proc_maps()
    {
        var maps = new[]
        {
            "7f1c2a000000-7f1c2a022000 r--p 00000000 08:01 1234  /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f1c2b000000-7f1c2b09a000 r--p 00000000 08:01 5678  /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33",
            "7ffd3c000000-7ffd3c021000 rw-p 00000000 00:00 0     [stack]",
        };

        LibStdCxxInfo.FindMapped(maps).Should().Be("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33");
        LibStdCxxInfo.FindMapped(maps.Take(1)).Should().BeNull();
    }

    [Fact]
    public void FindInLdconfigCache_prefers_the_64_bit_entry()
    {
        const string output = """
            1234 libs found in cache `/etc/ld.so.cache'
            	libstdc++.so.6 (libc6) => /usr/lib32/libstdc++.so.6
            	libstdc++.so.6 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libstdc++.so.6
            	libstdc++fs.so (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libstdc++fs.so
            """;

        LibStdCxxInfo.FindInLdconfigCache(output).Should().Be("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        LibStdCxxInfo.FindInLdconfigCache("0 libs found").Should().BeNull();
    }

    [Fact]
    public void Probe_finds_a_sufficient_libstdcxx_on_this_machine()
    {
        // TorchSharp loads in this process, so the libstdc++ it uses must provide GLIBCXX_3.4.32.
        if (!OperatingSystem.IsLinux()) return;
        var info = LibStdCxxInfo.Probe();

        info.Path.Should().Contain("libstdc++.so");
        info.NewestGlibcxx.Should().BeGreaterThanOrEqualTo(LibStdCxxInfo.Required);
        info.IsTooOld.Should().BeFalse();
    }
}
