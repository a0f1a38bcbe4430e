using System.Text;
using I3D.Net.IO;
using I3D.Net.Tests.Data;
using static TorchSharp.torch;

namespace I3D.Net.Tests.IO;

/// <summary><see cref="NpyFile"/>: the exact bytes NumPy expects, round trips, and clear errors for files it cannot read.</summary>
public sealed class NpyFileTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Writes_numpy_format_1_0_with_a_64_byte_aligned_header_and_little_endian_data()
    {
        var path = _tmp.File("sub/a.npy");
        using var t = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        NpyFile.Save(path, t);

        var bytes = File.ReadAllBytes(path);
        bytes[..8].Should().Equal(0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0);
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        ((10 + headerLength) % 64).Should().Be(0);
        Encoding.ASCII.GetString(bytes, 10, headerLength).Should().Be("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".PadRight(headerLength - 1) + "\n");
        bytes.Length.Should().Be(10 + headerLength + 24);
        BitConverter.ToSingle(bytes, 10 + headerLength + 20).Should().Be(6);
        Directory.EnumerateFiles(_tmp.File("sub")).Should().ContainSingle("the temporary file was renamed");
    }

    [Fact]
    public void Round_trips_every_supported_type_including_one_dimensional_and_empty_arrays()
    {
        var cases = new[]
        {
            tensor(new float[] { 1.5f, -2, 3 }),
            tensor(new double[] { 1e-300, 2 }, new long[] { 2, 1 }),
            tensor(new int[] { -7, 8, 9, 10 }, new long[] { 2, 2 }),
            tensor(new long[] { long.MaxValue, -1 }),
            tensor(new byte[] { 0, 255, 17 }, new long[] { 1, 3, 1 }),
            zeros(new long[] { 0, 4 }),
        };
        for (var i = 0; i < cases.Length; i++)
        {
            var path = _tmp.File($"{i}.npy");
            NpyFile.Save(path, cases[i]);
            using var loaded = NpyFile.Load(path);
            loaded.dtype.Should().Be(cases[i].dtype);
            loaded.shape.Should().Equal(cases[i].shape);
            loaded.eq(cases[i]).all().item<bool>().Should().BeTrue();
            cases[i].Dispose();
        }
        File.ReadAllText(_tmp.File("0.npy")).Should().Contain("'shape': (3,)", "a 1-D shape is a one-element tuple");
    }

    [Fact]
    public void Refuses_types_numpy_files_cannot_hold_here_and_files_that_are_not_npy()
    {
        using var half = ones(2).to(ScalarType.Float16);
        var save = () => NpyFile.Save(_tmp.File("h.npy"), half);
        save.Should().Throw<ArgumentException>().WithMessage("*float32, float64, int32, int64 or uint8*Float16*");
        File.Exists(_tmp.File("h.npy")).Should().BeFalse();

        File.WriteAllText(_tmp.File("text.npy"), "hello, not numpy");
        var load = () => NpyFile.Load(_tmp.File("text.npy"));
        load.Should().Throw<InvalidDataException>().WithMessage("*text.npy*magic*");

        using var t = arange(10, ScalarType.Float32);
        NpyFile.Save(_tmp.File("cut.npy"), t);
        var bytes = File.ReadAllBytes(_tmp.File("cut.npy"));
        File.WriteAllBytes(_tmp.File("cut.npy"), bytes[..^4]);
        load = () => NpyFile.Load(_tmp.File("cut.npy"));
        load.Should().Throw<InvalidDataException>().WithMessage("*cut.npy*needs 40 data bytes; found 36*");

        var header = Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n");
        File.WriteAllBytes(_tmp.File("f.npy"), [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. header, .. new byte[8]]);
        load = () => NpyFile.Load(_tmp.File("f.npy"));
        load.Should().Throw<InvalidDataException>().WithMessage("*C-order*");
    }
}
