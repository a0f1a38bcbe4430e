// I3D.Net demo: builds an I3D, classifies a generated clip (a moving square) and prints the top-5 classes.
// usage: dotnet run --project samples/I3D.Net.Demo -- [--device auto|cpu|cuda] [--frames N] [--size S]
using System.Diagnostics;
using I3D.Net.Demo;
using I3D.Net.Models;
using I3D.Net.Runtime;
using TorchSharp;

var device = ComputeDevice.Auto;
int frames = 16, size = 112, classes = 400;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--device": device = Enum.Parse<ComputeDevice>(Next(), ignoreCase: true); break;
        case "--frames": frames = int.Parse(Next()); break;
        case "--size": size = int.Parse(Next()); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--device auto|cpu|cuda] [--frames N] [--size S]");
            return 2;
    }
}

try
{
    var target = I3DRuntime.ResolveDevice(device);
    Console.WriteLine($"I3D.Net demo: libtorch {torch.__version__} on {target.type}"
        + (I3DRuntime.PyTorchLibraryDirectory is { } dir ? $" (libtorch from {dir})" : ""));

    torch.manual_seed(0);
    using var model = new InceptionI3D(numClasses: classes, device: target);
    model.eval();
    using var noGrad = torch.no_grad();
    // He initialisation keeps the activations' scale through the 20+ conv layers, so the untrained logits still
    // depend on the clip (with TorchSharp's default init they shrink towards the logits' bias).
    foreach (var (name, parameter) in model.named_parameters())
    {
        if (name.EndsWith("conv3d.weight", StringComparison.Ordinal))
            torch.nn.init.kaiming_normal_(parameter, nonlinearity: torch.nn.init.NonlinearityType.ReLU);
    }
    Console.WriteLine($"model: InceptionI3D, {classes} classes, {model.parameters().Sum(p => p.numel()):N0} parameters, "
        + "randomly initialised (no pretrained checkpoint is embedded, so the classes are not meaningful yet)");

    using var clip = SyntheticClip.Square(frames, size, target);
    Console.WriteLine($"clip: a bright square moving across {frames} frames of {size}x{size}, shape [{string.Join(", ", clip.shape)}]");

    var watch = Stopwatch.StartNew();
    using var logits = model.forward(clip);
    using var probabilities = logits.softmax(1);
    var (topProbabilities, topClasses) = probabilities.topk(5, dim: 1);
    using var p = topProbabilities.cpu();
    using var c = topClasses.cpu();
    watch.Stop();
    Console.WriteLine($"forward pass: {watch.Elapsed.TotalMilliseconds:F0} ms, logits shape [{string.Join(", ", logits.shape)}]");
    Console.WriteLine("top-5:  rank  class  logit       probability");
    using var logitsCpu = logits.cpu();
    for (int k = 0; k < 5; k++)
    {
        long index = c[0, k].item<long>();
        Console.WriteLine($"        {k + 1,4}  {index,5}  {logitsCpu[0, index].item<float>(),10:F5}  {p[0, k].item<float>(),11:F5}");
    }
    topProbabilities.Dispose();
    topClasses.Dispose();

    // The same square standing still: the network sees the difference.
    using var still = SyntheticClip.Square(frames, size, target, moving: false);
    using var stillLogits = model.forward(still);
    using var difference = (stillLogits - logits).abs().max();
    Console.WriteLine($"still square instead: top-1 class {stillLogits.argmax(1).item<long>()}, "
        + $"largest logit difference to the moving square {difference.item<float>():F5}");
    return 0;
}
catch (I3DNativeLibraryException e)
{
    Console.Error.WriteLine($"error ({e.Failure}): {e.Message}");
    return 1;
}
