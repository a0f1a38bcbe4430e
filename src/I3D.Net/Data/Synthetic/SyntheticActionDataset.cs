using I3D.Net.IO;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Sampling;
using OpenCvSharp;

namespace I3D.Net.Data.Synthetic;

/// <summary>
/// Writes a small, real video dataset of simple actions (a shape moving left/right/up/down, rotating, growing or
/// shrinking) with OpenCV's <see cref="VideoWriter"/>, plus annotations, so demos and tests run offline. Everything
/// is a pure function of the options (seed included). Each video varies background, colour, shape, position, size
/// and speed, so a model has to learn the motion, not a colour.
/// </summary>
public static class SyntheticActionDataset
{
    /// <summary>The folder/class name of an action (e.g. <c>move_left</c>).</summary>
    public static string ClassName(SyntheticAction action) => action switch
    {
        SyntheticAction.MoveLeft => "move_left",
        SyntheticAction.MoveRight => "move_right",
        SyntheticAction.MoveUp => "move_up",
        SyntheticAction.MoveDown => "move_down",
        SyntheticAction.RotateClockwise => "rotate_clockwise",
        SyntheticAction.RotateCounterClockwise => "rotate_counterclockwise",
        SyntheticAction.Grow => "grow",
        SyntheticAction.Shrink => "shrink",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action."),
    };

    /// <summary>
    /// Writes <c>folder/&lt;class&gt;/&lt;class&gt;_NNN&lt;ext&gt;</c> videos, <c>class_map.json</c>, <c>classes.txt</c> and the
    /// <c>train.txt</c>/<c>val.txt</c>/<c>test.txt</c> lists (<c>path label</c>, paths relative to the folder).
    /// </summary>
    /// <exception cref="InvalidOperationException">OpenCV has no encoder for the FourCC/container.</exception>
    public static SyntheticDataset Generate(string folder, SyntheticDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new SyntheticDatasetOptions();
        options.Validate();
        Video.OpenCvNative.EnsureLoaded();
        var root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        var actions = options.Actions ?? Enum.GetValues<SyntheticAction>();
        var classes = new ClassMap(actions.Select(ClassName));
        var split = new[] { new List<LabeledVideo>(), new List<LabeledVideo>(), new List<LabeledVideo>() };
        var nTest = (int)Math.Round(options.VideosPerClass * options.TestFraction);
        var nVal = (int)Math.Round(options.VideosPerClass * options.ValidationFraction);
        for (var label = 0; label < actions.Count; label++)
        {
            var classDir = Path.Combine(root, classes[label]);
            Directory.CreateDirectory(classDir);
            var order = EpochShuffle.Permutation(options.VideosPerClass, options.Seed, label);
            for (var v = 0; v < options.VideosPerClass; v++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = Path.Combine(classDir, $"{classes[label]}_{v:000}{options.Extension}");
                WriteVideo(path, actions[label], options, new CounterRandom(options.Seed, label, v, RandomStream.Window));
                var rank = Array.IndexOf(order, v);
                split[rank < nTest ? 2 : rank < nTest + nVal ? 1 : 0].Add(new LabeledVideo(path, label));
            }
        }
        classes.Save(Path.Combine(root, "class_map.json"));
        AtomicFile.WriteAllText(Path.Combine(root, "classes.txt"), string.Join('\n', classes) + "\n");
        var result = new SyntheticDataset(root, classes,
            new VideoAnnotations(classes, split[0]), new VideoAnnotations(classes, split[1]), new VideoAnnotations(classes, split[2]));
        LabelListAnnotations.Save(result.TrainList, split[0], root);
        LabelListAnnotations.Save(result.ValidationList, split[1], root);
        LabelListAnnotations.Save(result.TestList, split[2], root);
        return result;
    }

    /// <summary>Renders one video of <paramref name="action"/> (atomically: temp file, then move).</summary>
    public static void WriteVideo(string path, SyntheticAction action, SyntheticDatasetOptions options, CounterRandom random)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (w, h, n) = (options.Width, options.Height, options.FrameCount);
        var background = new Scalar(random.NextInt(80), random.NextInt(80), random.NextInt(80));
        var color = new Scalar(130 + random.NextInt(126), 130 + random.NextInt(126), 130 + random.NextInt(126));
        var sides = action is SyntheticAction.RotateClockwise or SyntheticAction.RotateCounterClockwise
            ? 3 + random.NextInt(2)              // triangle or square: rotation must be visible
            : 3 + random.NextInt(4);             // 3..5 sides, 6 = circle
        var minSide = Math.Min(w, h);
        var radius = minSide * random.NextDouble(0.12, 0.2);
        var travel = minSide * random.NextDouble(0.3, 0.45);   // total displacement for moves
        var turn = random.NextDouble(0.5, 1.0) * Math.PI;      // total rotation
        var angle0 = random.NextDouble(0, 2 * Math.PI);
        var scale = random.NextDouble(1.8, 2.4);               // size ratio for grow/shrink
        double cx = w / 2.0 + random.NextDouble(-0.1, 0.1) * w, cy = h / 2.0 + random.NextDouble(-0.1, 0.1) * h;
        var (dx, dy) = action switch
        {
            SyntheticAction.MoveLeft => (-travel, 0.0),
            SyntheticAction.MoveRight => (travel, 0.0),
            SyntheticAction.MoveUp => (0.0, -travel),
            SyntheticAction.MoveDown => (0.0, travel),
            _ => (0.0, 0.0),
        };
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".tmp-{Guid.NewGuid():N}{options.Extension}");
        try
        {
            using (var writer = new VideoWriter(temp, FourCC.FromString(options.FourCC), options.Fps, new Size(w, h)))
            {
                if (!writer.IsOpened())
                    throw new InvalidOperationException($"OpenCV cannot write FourCC '{options.FourCC}' into '{options.Extension}' files with this build; try mp4v (.mp4) or MJPG (.avi).");
                using var frame = new Mat(h, w, MatType.CV_8UC3);
                for (var t = 0; t < n; t++)
                {
                    var p = (double)t / (n - 1);
                    var x = cx + dx * (p - 0.5);
                    var y = cy + dy * (p - 0.5);
                    var angle = action switch
                    {
                        SyntheticAction.RotateClockwise => angle0 + turn * p,
                        SyntheticAction.RotateCounterClockwise => angle0 - turn * p,
                        _ => angle0,
                    };
                    var r = action switch
                    {
                        SyntheticAction.Grow => radius * Math.Pow(scale, p - 0.5),
                        SyntheticAction.Shrink => radius * Math.Pow(scale, 0.5 - p),
                        _ => radius,
                    };
                    frame.SetTo(background);
                    if (sides >= 6)
                        Cv2.Circle(frame, new Point(x, y), (int)Math.Round(r), color, -1, LineTypes.AntiAlias);
                    else
                    {
                        var pts = Enumerable.Range(0, sides)
                            .Select(k => new Point(x + r * Math.Cos(angle + 2 * Math.PI * k / sides), y + r * Math.Sin(angle + 2 * Math.PI * k / sides)))
                            .ToArray();
                        Cv2.FillConvexPoly(frame, pts, color, LineTypes.AntiAlias);
                    }
                    writer.Write(frame);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
