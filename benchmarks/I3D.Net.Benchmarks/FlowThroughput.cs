using System.Diagnostics;
using System.Globalization;
using I3D.Net.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// A timed command for optical-flow throughput (TV-L1 takes seconds per pair, too slow for BenchmarkDotNet's many
/// invocations): <c>dotnet run -c Release --project benchmarks/I3D.Net.Benchmarks -- flow [options]</c>.
/// Options: <c>--method tvl1|farneback</c>, <c>--sizes 224x224,340x256</c>, <c>--batch N</c> (pairs per call),
/// <c>--calls K</c> (timed calls after one warm-up), <c>--device cpu|cuda</c>, <c>--threads T</c>.
/// </summary>
internal static class FlowThroughput
{
    public static int Run(string[] args)
    {
        string Option(string name, string fallback)
        {
            int i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var method = Option("method", "tvl1");
        var sizes = Option("sizes", "224x224,340x256").Split(',').Select(s => s.Split('x').Select(int.Parse).ToArray()).ToArray();
        int batch = int.Parse(Option("batch", "1"), CultureInfo.InvariantCulture);
        int calls = int.Parse(Option("calls", "3"), CultureInfo.InvariantCulture);
        var device = new Device(Option("device", "cpu"));
        if (Option("threads", "") is { Length: > 0 } threads)
            set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        IOpticalFlow flow = method switch
        {
            "tvl1" => new TvL1OpticalFlow(),
            "farneback" => new FarnebackOpticalFlow(),
            _ => throw new ArgumentException($"Unknown --method '{method}'; expected tvl1 or farneback."),
        };

        Console.WriteLine($"method {method}, device {device}, torch threads {get_num_threads()}, batch {batch}, calls {calls}");
        foreach (var size in sizes)
        {
            int width = size[0], height = size[1];
            using var scope = NewDisposeScope();
            var (previous, next) = MovingTexture(batch, height, width, device);
            using (var warmUp = flow.Compute(previous, next)) { }
            var stopwatch = Stopwatch.StartNew();
            for (int c = 0; c < calls; c++)
            {
                using var result = flow.Compute(previous, next);
                if (device.type == DeviceType.CUDA)
                    cuda.synchronize();
            }
            double perPair = stopwatch.Elapsed.TotalSeconds / (calls * batch);
            Console.WriteLine($"{width}x{height}: {perPair:F3} s per pair, {1 / perPair:F2} pairs/s");
        }
        return 0;
    }

    /// <summary>Frame pairs of a smooth random texture moving by 1–3 px with a little noise, like real video.</summary>
    private static (Tensor Previous, Tensor Next) MovingTexture(int batch, int height, int width, Device device)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var noise = rand(new long[] { batch, 1, height + 16, width + 16 }, generator: generator);
        var kernel = ones(1, 1, 7, 7) / 49;
        var texture = nn.functional.conv2d(nn.functional.conv2d(noise, kernel), kernel).squeeze(1);    // [B, H+4, W+4]
        texture = (texture - texture.mean()) / texture.std() * 50 + 128;
        var previous = texture.narrow(1, 2, height).narrow(2, 2, width);
        var next = texture.narrow(1, 0, height).narrow(2, 3, width);    // moves by (−1, 2) px
        next = next + randn(next.shape, generator: generator) * 2;
        return (previous.clamp(0, 255).contiguous().to(device).MoveToOuterDisposeScope(),
                next.clamp(0, 255).contiguous().to(device).MoveToOuterDisposeScope());
    }
}
