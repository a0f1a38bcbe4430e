using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
namespace I3D.Net.Models;

/// <summary>
/// The known published weights for I3D (DeepMind's Kinetics checkpoints) and the ImageNet GoogLeNet weights that
/// <see cref="ImageNetInitialization"/> inflates, with their metadata. SHA-256 digests are given only where this
/// library could compute them from the published files; the rest are <see langword="null"/>, not guessed.
/// </summary>
/// <remarks>
/// <c>InceptionI3D.FromPretrained</c> and <c>TwoStreamI3D.FromPretrained</c> take the I3D descriptors: they download
/// the data shard, verify every tensor against the checkpoint's <c>.index</c> (shipped inside I3D.Net; its SHA-256 is
/// the one below) and cache a converted copy (see <see cref="PretrainedWeights"/>).
/// </remarks>
public static class I3DWeights
{
    /// <summary>The commit of google-deepmind/kinetics-i3d the checkpoint URLs are pinned to.</summary>
    public const string KineticsI3DCommit = "0667e889a5904b4dc122e0ded4c332f49f8df42c";

    /// <summary>The official download URL of torchvision's GoogLeNet ImageNet weights.</summary>
    public const string GoogLeNetUrl = "https://download.pytorch.org/models/googlenet-1378be20.pth";

    /// <summary>The file name of torchvision's GoogLeNet ImageNet weights; <c>1378be20</c> is its SHA-256 prefix.</summary>
    public const string GoogLeNetFileName = "googlenet-1378be20.pth";

    const string DeepMindSource = "https://github.com/google-deepmind/kinetics-i3d";
    const string PaperResults = "Carreira & Zisserman 2017 / deepmind/kinetics-i3d README (Kinetics-400 test set)";

    static readonly InputConventions RgbInput = new()
    {
        Modality = InputModality.Rgb,
        Channels = 3,
        FramesPerSecond = 25,
        MinFrames = 64,
        Description = "RGB frames at 25 fps, resized so the smaller side is 256 then centre-cropped to 224×224, " +
                      "values scaled from [0, 255] to [-1, 1]; shape [B, 3, T, 224, 224], T ≥ 64 for training clips.",
    };

    static readonly InputConventions FlowInput = new()
    {
        Modality = InputModality.Flow,
        Channels = 2,
        FramesPerSecond = 25,
        MinFrames = 64,
        FlowClipPixels = 20,
        Description = "TV-L1 optical flow (x, y) at 25 fps, 224×224, displacements clipped to ±20 pixels and divided " +
                      "by 20 into [-1, 1]; shape [B, 2, T, 224, 224].",
    };

    /// <summary>RGB I3D trained on Kinetics-400 from inflated ImageNet weights (<c>rgb_imagenet</c>).</summary>
    public static WeightsDescriptor Kinetics400Rgb { get; } = DeepMind("kinetics400-rgb-imagenet", "rgb_imagenet",
        "RGB I3D, ImageNet-inflated initialisation, trained on Kinetics-400.", RgbInput, imageNet: true,
        new ReportedAccuracy("Kinetics-400", "test", 71.1, 89.3, PaperResults),
        "f4bfd6f4af485f276c68333d3eca3697b691bb647f0167a03fe021147ca7f8eb");

    /// <summary>Flow I3D trained on Kinetics-400 from inflated ImageNet weights (<c>flow_imagenet</c>).</summary>
    public static WeightsDescriptor Kinetics400Flow { get; } = DeepMind("kinetics400-flow-imagenet", "flow_imagenet",
        "Optical-flow I3D, ImageNet-inflated initialisation, trained on Kinetics-400.", FlowInput, imageNet: true,
        new ReportedAccuracy("Kinetics-400", "test", 63.4, 84.9, PaperResults),
        "71594ac5f63cb0eb58512a13b56097dc0368d09e5959dffcc6e7a45b19832366");

    /// <summary>RGB I3D trained on Kinetics-400 from scratch (<c>rgb_scratch</c>).</summary>
    public static WeightsDescriptor Kinetics400RgbScratch { get; } = DeepMind("kinetics400-rgb-scratch", "rgb_scratch",
        "RGB I3D trained on Kinetics-400 from random initialisation.", RgbInput, imageNet: false, accuracy: null,
        "4fcd08b3e140f0267730e462295054c6a38f6cfd9991c310ee3d37bbdfd7030c");

    /// <summary>Flow I3D trained on Kinetics-400 from scratch (<c>flow_scratch</c>).</summary>
    public static WeightsDescriptor Kinetics400FlowScratch { get; } = DeepMind("kinetics400-flow-scratch", "flow_scratch",
        "Optical-flow I3D trained on Kinetics-400 from random initialisation.", FlowInput, imageNet: false, accuracy: null,
        "81fccedbe8352f8509b05ca9f2959f5aac13552dc680c808acd4f39be82620e6");

    /// <summary>RGB I3D trained on Kinetics-600 from scratch (<c>rgb_scratch_kin600</c>; 600 classes).</summary>
    public static WeightsDescriptor Kinetics600RgbScratch { get; } = DeepMind("kinetics600-rgb-scratch", "rgb_scratch_kin600",
        "RGB I3D trained on Kinetics-600 from random initialisation (variables without the RGB/inception_i3d/ scope).",
        RgbInput, imageNet: false, accuracy: null,
        "366815af85b76e46222db13761f087584b3dc9c56abf67b822949846302e432a", classes: KineticsClasses.Kinetics600);

    /// <summary>
    /// Two-stream I3D on Kinetics-400: <see cref="Kinetics400Rgb"/> and <see cref="Kinetics400Flow"/> with their
    /// logits summed (the paper's late fusion).
    /// </summary>
    public static WeightsDescriptor Kinetics400TwoStream { get; } = new()
    {
        Name = "kinetics400-two-stream-imagenet",
        Description = "Two-stream I3D (RGB + flow, logits summed), ImageNet-inflated initialisation, trained on Kinetics-400.",
        Architecture = "TwoStreamI3D",
        Format = CheckpointFormat.TensorFlowCheckpoint,
        Files = Kinetics400Rgb.Files.Concat(Kinetics400Flow.Files).ToArray(),
        NumClasses = 400,
        Classes = KineticsClasses.Kinetics400,
        Inputs = new[] { RgbInput, FlowInput },
        ImageNetPretrained = true,
        Accuracy = new ReportedAccuracy("Kinetics-400", "test", 74.2, 91.3, PaperResults),
        License = "Apache-2.0",
        Source = new Uri(DeepMindSource),
        Streams = new[] { Kinetics400Rgb, Kinetics400Flow },
    };

    /// <summary>
    /// torchvision's GoogLeNet (Inception-v1) ImageNet-1k weights (<c>IMAGENET1K_V1</c>), the 2D starting point that
    /// <see cref="ImageNetInitialization"/> inflates into I3D. Its 1000 ImageNet logits are discarded.
    /// </summary>
    public static WeightsDescriptor ImageNetGoogLeNet { get; } = new()
    {
        Name = "imagenet-googlenet",
        Description = "torchvision GoogLeNet (Inception-v1 with BatchNorm) trained on ImageNet-1k (IMAGENET1K_V1).",
        Architecture = "GoogLeNet",
        Format = CheckpointFormat.PyTorchZip,
        // The full digest is not recorded here (the file cannot be fetched from this build environment); the name's
        // 8 hex digits are the SHA-256 prefix torch.hub checks, and so does this library.
        Files = new[] { new WeightsFile(GoogLeNetFileName, new Uri(GoogLeNetUrl), Sha256: null, Sha256Prefix: "1378be20") },
        NumClasses = 1000,
        Classes = null,
        Inputs = new[]
        {
            new InputConventions
            {
                Modality = InputModality.Rgb,
                Channels = 3,
                ValueMin = (0 - 0.485) / 0.229,
                ValueMax = (1 - 0.406) / 0.225,
                Mean = new[] { 0.485, 0.456, 0.406 },
                Std = new[] { 0.229, 0.224, 0.225 },
                Description = "RGB images 224×224 scaled to [0, 1] then normalised with the ImageNet mean/std. " +
                              "torchvision's googlenet(transform_input=True) converts that back to the [-1, 1] scaling " +
                              "the weights were trained with, so inflated into I3D they expect I3D's RGB in [-1, 1].",
            },
        },
        ImageNetPretrained = true,
        Accuracy = new ReportedAccuracy("ImageNet-1k", "val", 69.778, 89.530, "torchvision model documentation"),
        License = "BSD-3-Clause",
        Source = new Uri("https://pytorch.org/vision/stable/models/generated/torchvision.models.googlenet.html"),
    };

    /// <summary>All descriptors above, I3D checkpoints first.</summary>
    public static IReadOnlyList<WeightsDescriptor> All { get; } = new[]
    {
        Kinetics400Rgb, Kinetics400Flow, Kinetics400TwoStream, Kinetics400RgbScratch, Kinetics400FlowScratch,
        Kinetics600RgbScratch, ImageNetGoogLeNet,
    };

    /// <summary>Finds a descriptor by its <see cref="WeightsDescriptor.Name"/> (case-insensitive).</summary>
    /// <param name="name">E.g. <c>kinetics400-rgb-imagenet</c>.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="KeyNotFoundException">No descriptor has that name; the message lists the known names.</exception>
    public static WeightsDescriptor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"No weights named '{name}'. Known: {string.Join(", ", All.Select(d => d.Name))}.");
    }

    static WeightsDescriptor DeepMind(string name, string folder, string description, InputConventions input,
        bool imageNet, ReportedAccuracy? accuracy, string indexSha256, IReadOnlyList<string>? classes = null)
    {
        classes ??= KineticsClasses.Kinetics400;
        string baseUrl = $"{DeepMindSource}/raw/{KineticsI3DCommit}/data/checkpoints/{folder}/";
        return new WeightsDescriptor
        {
            Name = name,
            Description = description,
            Architecture = "InceptionI3D",
            Format = CheckpointFormat.TensorFlowCheckpoint,
            Files = new[]
            {
                // The .index digests were computed from copies of the published files; the ~50 MB data shards'
                // digests are not known to this library.
                new WeightsFile($"{folder}/model.ckpt.index", new Uri(baseUrl + "model.ckpt.index"), indexSha256),
                new WeightsFile($"{folder}/model.ckpt.data-00000-of-00001", new Uri(baseUrl + "model.ckpt.data-00000-of-00001")),
            },
            NumClasses = classes.Count,
            Classes = classes,
            Inputs = new[] { input },
            ImageNetPretrained = imageNet,
            Accuracy = accuracy,
            License = "Apache-2.0",
            Source = new Uri(DeepMindSource),
        };
    }
}
