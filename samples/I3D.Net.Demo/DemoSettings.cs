using I3D.Net.Data.Synthetic;
using I3D.Net.Runtime;

namespace I3D.Net.Demo;

/// <summary>The demo's command line: small defaults that fine-tune on a 2-core CPU in a few minutes.</summary>
internal sealed record DemoSettings
{
    public const string Usage =
        "usage: ./build.sh demo [--device auto|cpu|cuda] [--out DIR] [--classes N] [--videos-per-class N] [--size PX]\n" +
        "                       [--frames N] [--epochs N] [--batch N] [--flow tvl1|tvl1-full|farneback] [--download-imagenet] [--plain]";

    /// <summary>Where to compute.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    /// <summary>Output folder (dataset, flow, checkpoints, plot).</summary>
    public string Output { get; init; } = Path.Combine("artifacts", "demo");

    /// <summary>Number of action classes (taken in this order from <see cref="Actions"/>).</summary>
    public int Classes { get; init; } = 6;

    public int VideosPerClass { get; init; } = 20;

    /// <summary>Frame side of the generated videos (and of the clips the model sees).</summary>
    public int Size { get; init; } = 64;

    public int Frames { get; init; } = 16;

    public int Epochs { get; init; } = 8;

    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// The flow method: <c>tvl1</c> (TV-L1 at reduced settings), <c>tvl1-full</c> (OpenCV's defaults, much slower on a
    /// CPU) or <c>farneback</c> (OpenCV's Farneback, fastest).
    /// </summary>
    public string Flow { get; init; } = "tvl1";

    /// <summary>Download the ImageNet GoogLeNet weights when they are not cached.</summary>
    public bool DownloadImageNet { get; init; }

    /// <summary>Plain line output even on a terminal.</summary>
    public bool Plain { get; init; }

    /// <summary>Actions in class order: directions first, the easiest for a small model.</summary>
    public static IReadOnlyList<SyntheticAction> Actions { get; } =
    [
        SyntheticAction.MoveLeft, SyntheticAction.MoveRight, SyntheticAction.MoveUp, SyntheticAction.MoveDown,
        SyntheticAction.Grow, SyntheticAction.Shrink, SyntheticAction.RotateClockwise, SyntheticAction.RotateCounterClockwise,
    ];

    public static DemoSettings Parse(string[] args)
    {
        var s = new DemoSettings();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int NextInt(int min, int max)
            {
                var name = args[i];
                var text = Next();
                return int.TryParse(text, out var v) && v >= min && v <= max
                    ? v
                    : throw new ArgumentException($"{name} expects an integer in [{min}, {max}], found '{text}'.\n{Usage}");
            }

            s = args[i] switch
            {
                "--device" => s with
                {
                    Device = Enum.TryParse<ComputeDevice>(Next(), ignoreCase: true, out var d)
                        ? d : throw new ArgumentException($"--device expects auto, cpu or cuda, found '{args[i]}'.\n{Usage}"),
                },
                "--out" => s with { Output = Next() },
                "--classes" => s with { Classes = NextInt(2, Actions.Count) },
                "--videos-per-class" => s with { VideosPerClass = NextInt(6, 1000) },
                "--size" => s with { Size = NextInt(40, 512) },
                "--frames" => s with { Frames = NextInt(9, 256) },
                "--epochs" => s with { Epochs = NextInt(1, 1000) },
                "--batch" => s with { BatchSize = NextInt(1, 256) },
                "--flow" => s with
                {
                    Flow = Next() is var f && f is "tvl1" or "tvl1-full" or "farneback"
                        ? f : throw new ArgumentException($"--flow expects tvl1, tvl1-full or farneback, found '{f}'.\n{Usage}"),
                },
                "--download-imagenet" => s with { DownloadImageNet = true },
                "--plain" => s with { Plain = true },
                "-h" or "--help" => throw new HelpRequestedException(),
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}"),
            };
        }
        return s;
    }
}

/// <summary>Thrown for <c>--help</c>.</summary>
internal sealed class HelpRequestedException : Exception
{
}
