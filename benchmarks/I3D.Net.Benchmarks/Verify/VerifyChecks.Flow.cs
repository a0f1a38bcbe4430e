using System.Text;
using System.Text.RegularExpressions;
using I3D.Net.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

internal static partial class VerifyChecks
{
    /// <summary>The issue's bound: TV-L1 on the device within 0.01 px mean end-point error of the CPU.</summary>
    public const double FlowTolerancePx = 0.01;

    /// <summary>
    /// TV-L1 (default options) on the cricket frame pairs of tests/I3D.Net.Tests/Fixtures/flow, on the device and on
    /// the CPU. Measured: mean end-point error between the two flows, in pixels; the max is shown beside it.
    /// </summary>
    public static IEnumerable<VerifyRow> Flow(VerifyOptions o)
    {
        var fixtures = o.FixturesDirectory();
        SetTf32(false);
        foreach (var name in new[] { "cricket112", "cricket224" })
        {
            using var scope = NewDisposeScope();
            var frames = LoadUInt8Npy(Path.Combine(fixtures, "flow", $"{name}_frames.npy")).to(ScalarType.Float32);
            var pairs = frames.shape[0] / 2;
            var previous = frames.index_select(0, arange(0, 2 * pairs, 2));
            var next = frames.index_select(0, arange(1, 2 * pairs, 2));
            var tvl1 = new TvL1OpticalFlow();
            var cpu = tvl1.Compute(previous, next);
            var device = tvl1.Compute(previous.to(BenchDevice.Device), next.to(BenchDevice.Device)).cpu();
            var epe = (device - cpu).pow(2).sum(1).sqrt();
            var row = VerifyRow.AtMost($"TV-L1 {BenchDevice.Device.type} vs CPU, {name} ({pairs} pair{(pairs == 1 ? "" : "s")} {frames.shape[1]}×{frames.shape[2]}): mean end-point error",
                epe.mean().item<float>(), FlowTolerancePx, " px");
            yield return row with { Measured = $"{row.Measured} (max {VerifyRow.Format(epe.max().item<float>())} px)" };
        }
    }

    /// <summary>Reads a NumPy .npy file of dtype uint8 (format 1.0/2.0, C order), as the fixtures are written.</summary>
    internal static Tensor LoadUInt8Npy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"'{path}' is not a .npy file (no \\x93NUMPY magic).");
        var major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var start = major == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(bytes, start, headerLength);
        if (!header.Contains("'descr': '|u1'") || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"'{path}': expected a C-order uint8 array, found header {header.Trim()}.");
        var shape = Regex.Match(header, @"'shape':\s*\(([^)]*)\)").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var data = bytes.AsSpan(start + headerLength).ToArray();
        if (data.LongLength != shape.Aggregate(1L, (a, b) => a * b))
            throw new InvalidDataException($"'{path}': shape ({string.Join(", ", shape)}) needs {shape.Aggregate(1L, (a, b) => a * b)} bytes, found {data.Length}.");
        return tensor(data, shape, ScalarType.Byte);
    }
}
