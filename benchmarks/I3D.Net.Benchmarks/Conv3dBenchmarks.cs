using BenchmarkDotNet.Attributes;
using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// TF-SAME conv3d for representative I3D shapes at a 16-frame 224² clip (batch 1), NCDHW vs NDHWC strides, fp32.
/// FLOP/s = 2 · MACs / time; the quick runner (`quick --sections conv`) prints it for every distinct shape.
/// </summary>
public class Conv3dBenchmarks
{
    private Tensor input = null!;
    private Tensor weight = null!;
    private long[] stride = null!;

    /// <summary>A conv shape: "Cin->Cout kK sS TxHxW".</summary>
    [Params("3->64 k7 s2 16x224x224", "64->192 k3 s1 8x56x56", "96->208 k3 s1 4x14x14", "832->384 k1 s1 2x7x7")]
    public string Shape { get; set; } = "";

    /// <summary>Memory layout of input and weights.</summary>
    [Params("NCDHW", "NDHWC")]
    public string Layout { get; set; } = "";

    /// <summary>Allocates input and weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split(' ');
        var ch = parts[0].Split("->").Select(long.Parse).ToArray();
        long k = long.Parse(parts[1][1..]), s = long.Parse(parts[2][1..]);
        var thw = parts[3].Split('x').Select(long.Parse).ToArray();
        input = rand(new[] { 1, ch[0], thw[0], thw[1], thw[2] }, device: BenchDevice.Device);
        weight = rand(new[] { ch[1], ch[0], k, k, k }, device: BenchDevice.Device);
        if (Layout == "NDHWC")
        {
            input = input.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
            weight = weight.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
        }
        stride = [s, s, s];
    }

    /// <summary>One convolution, synchronised.</summary>
    [Benchmark]
    public long Conv3d()
    {
        using var scope = NewDisposeScope();
        var y = TfSamePadding.Conv3d(input, weight, null, stride);
        BenchDevice.Synchronize();
        return y.shape[1];
    }

    /// <summary>Releases the tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        input.Dispose();
        weight.Dispose();
    }
}
