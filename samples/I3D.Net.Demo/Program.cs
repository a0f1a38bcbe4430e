// I3D.Net demo — the main job end to end on a generated dataset, offline, in a few minutes on a CPU:
//   1. writes a synthetic action dataset (real video files: a shape moving left/right/up/down, growing, shrinking, …),
//   2. computes TV-L1 optical flow for every video with the library (stored as quantised x/y JPEGs),
//   3. builds a two-stream I3D: ImageNet-inflated when torchvision's GoogLeNet file is in the cache, else from scratch,
//   4. fine-tunes it (progress bars), evaluates the held-out split (top-1/top-5/mean class accuracy, confusion matrix),
//      draws the training curves into a PNG and saves a checkpoint,
//   5. reloads the checkpoint and classifies a newly generated video, printing the top-k classes.
// usage: ./build.sh demo [--device auto|cpu|cuda] [--epochs N] [--classes N] ... (--help lists all)
using System.Diagnostics;
using System.Globalization;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Transforms;
using I3D.Net.Demo;
using I3D.Net.Samples;
using I3D.Net.Flow;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Training;
using I3D.Net.Weights;
using Spectre.Console;
using TorchSharp;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
DemoSettings settings;
try
{
    settings = DemoSettings.Parse(args);
}
catch (HelpRequestedException)
{
    Console.WriteLine(DemoSettings.Usage);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var ui = DemoConsole.Create(settings.Plain);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    return await DemoRun.RunAsync(settings, ui, cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled; the last complete checkpoint is kept.");
    return 130;
}
catch (I3DNativeLibraryException e)
{
    Console.Error.WriteLine($"error ({e.Failure}): {e.Message}");
    return 1;
}

namespace I3D.Net.Demo
{
    internal static class DemoRun
    {
        public static async Task<int> RunAsync(DemoSettings s, DemoConsole ui, CancellationToken ct)
        {
            var total = Stopwatch.StartNew();
            var timings = new List<(string Stage, TimeSpan Time)>();
            var device = I3DRuntime.ResolveDevice(s.Device);
            ui.Section("I3D.Net demo: fine-tune a two-stream I3D on a generated action dataset");
            ui.Line($"libtorch {torch.__version__} on {device.type}"
                + (I3DRuntime.PyTorchLibraryDirectory is { } dir ? $" (libtorch from {dir})" : "")
                + $"; {Environment.ProcessorCount} CPU cores, {torch.get_num_threads()} torch threads");
            var root = Path.GetFullPath(s.Output);
            Directory.CreateDirectory(root);

            // 1. The dataset: real video files and path/label lists, all a function of the seed.
            var stage = Stopwatch.StartNew();
            var actions = DemoSettings.Actions.Take(s.Classes).ToArray();
            var dataOptions = new SyntheticDatasetOptions
            {
                Actions = actions,
                VideosPerClass = s.VideosPerClass,
                FrameCount = s.Frames,
                Width = s.Size,
                Height = s.Size,
                Seed = 2017,
                ValidationFraction = 0.15,
                TestFraction = 0.2,
            };
            ui.Section("1. Synthetic action dataset");
            var dataset = SyntheticActionDataset.Generate(Path.Combine(root, "data"), dataOptions, ct);
            var classes = dataset.Classes;
            ui.Line($"{classes.Count} classes ({string.Join(", ", classes)}), {s.VideosPerClass} videos each of {s.Frames} frames at {s.Size}x{s.Size} (mp4v)");
            ui.Line($"split: {dataset.Train.Count} train, {dataset.Validation.Count} validation, {dataset.Test.Count} test (held out) -> {dataset.Root}");
            timings.Add(("dataset", stage.Elapsed));

            // 2. Optical flow with the library's TV-L1, once per video (kept between runs with the same settings).
            stage.Restart();
            ui.Section("2. Optical flow");
            var flowOptions = s.Flow == "tvl1-full"
                ? new TvL1OpticalFlowOptions()
                : TvL1OpticalFlowOptions.Fast;
            IOpticalFlow flow = s.Flow == "farneback" ? new FarnebackOpticalFlow() : new TvL1OpticalFlow(flowOptions);
            ui.Line(s.Flow switch
            {
                "farneback" => "Farneback (OpenCV, CPU) instead of TV-L1, for speed (--flow tvl1 for the reference's method)",
                "tvl1-full" => "TV-L1 with OpenCV's defaults (5 scales x 0.8, 5 warps, 10x30 iterations)",
                _ => $"TV-L1 at reduced settings for speed: {flowOptions.ScalesNumber} scales x {flowOptions.ScaleStep}, {flowOptions.Warps} warp, "
                    + $"{flowOptions.OuterIterations}x{flowOptions.InnerIterations} iterations (OpenCV's defaults: --flow tvl1-full; fastest: --flow farneback)",
            });
            var flowRoot = Path.Combine(dataset.Root, "flow");
            var stamp = $"{dataOptions with { Actions = null }} {string.Join(",", actions)} {s.Flow} {flowOptions}";
            var stampFile = Path.Combine(flowRoot, "settings.txt");
            if (File.Exists(stampFile) && File.ReadAllText(stampFile) != stamp)
                Directory.Delete(flowRoot, recursive: true);   // different videos or flow settings: recompute
            Directory.CreateDirectory(flowRoot);
            File.WriteAllText(stampFile, stamp);
            string FlowFolder(LabeledVideo v) =>
                Path.Combine(flowRoot, Path.GetRelativePath(dataset.Root, Path.ChangeExtension(v.Path, null)));
            var everyVideo = dataset.Train.Items.Concat(dataset.Validation.Items).Concat(dataset.Test.Items).ToArray();
            var todo = everyVideo.Where(v => !Directory.Exists(FlowFolder(v))).ToArray();
            if (todo.Length < everyVideo.Length)
                ui.Line($"{everyVideo.Length - todo.Length} of {everyVideo.Length} videos already have flow (same settings): skipped");
            var pairs = 0;
            const int videosPerBatch = 8;
            await ui.ProgressAsync("flow", todo.Length, Math.Max(1, todo.Length / 4), report =>
            {
                for (int i = 0; i < todo.Length; i += videosPerBatch)
                {
                    ct.ThrowIfCancellationRequested();
                    var batch = todo.Skip(i).Take(videosPerBatch).Select(v => (v.Path, FlowFolder(v))).ToArray();
                    pairs += FlowFolderWriter.Write(batch, flow, device);
                    report(i + batch.Length, $"{i + batch.Length}/{todo.Length} videos");
                }
                return Task.FromResult(0);
            });
            if (todo.Length > 0)
                ui.Line($"{pairs} frame pairs in {stage.Elapsed.TotalSeconds:F1} s ({pairs / stage.Elapsed.TotalSeconds:F0} pairs/s), "
                    + "clipped to +-20 px and stored as 8-bit flow_x_/flow_y_ JPEGs");
            timings.Add(("flow", stage.Elapsed));

            // 3. The model: two-stream I3D, ImageNet-inflated when the GoogLeNet weights are cached.
            stage.Restart();
            ui.Section("3. Model");
            // BatchNorm momentum 0.1 (PyTorch's default) instead of the reference's 0.01: with ~100 steps the running
            // statistics used at evaluation must follow the weights quickly.
            var modelOptions = new InceptionI3DOptions { BatchNormMomentum = 0.1 };
            var (model, initialisation) = DemoModel.Create(classes.Count, modelOptions, s.DownloadImageNet, ui);
            using var twoStream = model;
            ui.Line($"TwoStreamI3D: {classes.Count} classes, {twoStream.parameters().Sum(p => p.numel()):N0} parameters, initialised {initialisation}");
            timings.Add(("model", stage.Elapsed));

            // 4. Fine-tuning.
            stage.Restart();
            ui.Section("4. Fine-tuning");
            var clipLength = s.Frames - 1;   // flow has one frame fewer than the video
            var crop = Math.Max(InceptionI3D.MinimumSpatialSize, s.Size * 7 / 8 / 8 * 8);   // random crops of 7/8 of the frame
            // No flips: a mirrored "move left" is a "move right" (and clockwise becomes counter-clockwise).
            var trainTransform = new ClipTransformOptions { ShortSide = null, CropSize = crop, RandomCrop = true, FlipProbability = 0 };
            var evalTransform = trainTransform with { RandomCrop = false };
            var loaderBase = new ClipLoaderOptions
            {
                BatchSize = s.BatchSize,
                ClipLength = clipLength,
                TargetFps = null,
                Modality = ClipModality.RgbAndFlow,
                Seed = 1,
                Workers = Math.Max(1, Math.Min(2, Environment.ProcessorCount)),
            };
            var trainLoader = new VideoClipLoader(dataset.Train.WithFlow(FlowFolder), loaderBase with { Transform = trainTransform });
            var evaluation = loaderBase with
            {
                Sampling = ClipSamplingMode.Center,
                Transform = evalTransform,
                Shuffle = false,
                DropLast = false,
                OnUnreadable = UnreadableItemPolicy.Fail,
            };
            var validationLoader = new VideoClipLoader(dataset.Validation.WithFlow(FlowFolder), evaluation);
            var testLoader = new VideoClipLoader(dataset.Test.WithFlow(FlowFolder), evaluation);
            var checkpoints = Path.Combine(root, "checkpoints");
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);   // a fresh run each time
            var steps = (long)s.Epochs * trainLoader.BatchesPerEpoch;
            var options = new TrainingOptions
            {
                Epochs = s.Epochs,
                Seed = 1,
                Device = device.type == DeviceType.CUDA ? "cuda" : "cpu",
                Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 1e-4 },
                Schedule = new LearningRateScheduleOptions
                {
                    Kind = LearningRateScheduleKind.Cosine,
                    WarmupSteps = Math.Min(10, steps / 10),
                    MinimumFactor = 0.05,
                },
                MaxGradientNorm = 5,
                Checkpoint = new CheckpointOptions { Directory = checkpoints, KeepLast = 1, KeepBestBy = "val_top1", KeepBestGoal = MetricGoal.Maximize, Resume = false },
                LogEverySteps = 0,
            };
            ui.Line($"{s.Epochs} epochs x {trainLoader.BatchesPerEpoch} batches of {s.BatchSize} clips [{clipLength}x{crop}x{crop}] (RGB + flow), "
                + $"AdamW lr {options.Optimizer.LearningRate} cosine, on {device.type}");
            var trainer = new I3DTrainer(ClassifierAdapter.TwoStream(twoStream, twoStream.Rgb, twoStream.Flow), options);
            var epochLines = new List<string>();
            var result = await ui.ProgressAsync("train", steps, trainLoader.BatchesPerEpoch, async report =>
            {
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                    report(p.Step, $"step {p.Step}/{p.TotalSteps}, epoch {p.Epoch + 1}/{p.Epochs}, loss {p.Loss:F3}"));
                return await trainer.FitAsync(trainLoader, validationLoader, options, progress, ct);
            });
            foreach (var r in result.History.Records)
            {
                var m = r.Metrics;
                ui.Line($"epoch {r.Epoch + 1,2}: train loss {m["train_loss"]:F3} top-1 {m["train_top1"]:P0} | "
                    + $"validation loss {m.GetValueOrDefault("val_loss", double.NaN):F3} top-1 {m.GetValueOrDefault("val_top1", double.NaN):P0}");
            }
            var trainTime = stage.Elapsed;
            ui.Line($"{result.Steps} steps in {trainTime.TotalSeconds:F0} s ({result.Steps * s.BatchSize / trainTime.TotalSeconds:F1} clips/s)");
            timings.Add(("training", trainTime));

            // 5. Held-out evaluation with the best checkpoint (by validation top-1).
            stage.Restart();
            ui.Section("5. Held-out test split");
            var best = result.BestCheckpoint ?? result.LastCheckpoint
                ?? throw new InvalidOperationException("Training wrote no checkpoint.");
            var store = new CheckpointStore(checkpoints);
            store.LoadWeights(best, twoStream);
            var metrics = await trainer.EvaluateAsync(testLoader, options, ct);
            var chance = 1.0 / classes.Count;
            ui.Highlight($"test ({metrics.SampleCount} videos): top-1 {metrics.Top1:P1}, top-5 {metrics.Top5:P1}, "
                + $"mean class accuracy {metrics.MeanClassAccuracy:P1} (chance: top-1 {chance:P1})");
            ui.Write(ConfusionTable(metrics.ConfusionMatrix, classes));
            var curve = Path.Combine(root, "training-curve.png");
            TrainingCurvePlot.Save(result.History, curve, $"Two-stream I3D on {classes.Count} synthetic actions ({initialisation})");
            result.History.SaveCsv(Path.Combine(root, "history.csv"));
            var weightsFile = Path.Combine(root, "two-stream-i3d.safetensors");
            StateDictLoader.Save(twoStream, weightsFile, new Dictionary<string, string>
            {
                ["classes"] = string.Join("\n", classes),
                ["model"] = "TwoStreamI3D",
                ["clip"] = $"{clipLength}x{crop}x{crop}",
            });
            classes.Save(Path.Combine(root, "class_map.json"));
            ui.Line($"checkpoint: {best}");
            ui.Line($"weights:    {weightsFile} (safetensors, with class_map.json)");
            ui.Line($"curves:     {curve}, history.csv");
            timings.Add(("evaluation", stage.Elapsed));

            // 6. A new video, never seen: reload the saved weights into a fresh model and classify it.
            stage.Restart();
            ui.Section("6. Classify a new video");
            var action = actions[new Random(7).Next(actions.Length)];
            var newVideo = Path.Combine(root, $"new_{SyntheticActionDataset.ClassName(action)}.mp4");
            SyntheticActionDataset.WriteVideo(newVideo, action, dataOptions, new CounterRandom(dataOptions.Seed + 1, 99, 0, RandomStream.Window));
            var newFlow = Path.ChangeExtension(newVideo, null) + "_flow";
            FlowFolderWriter.Write(newVideo, newFlow, flow, device);
            using var reloaded = new TwoStreamI3D(classes.Count, modelOptions);
            StateDictLoader.LoadSafeTensors(reloaded, weightsFile);
            reloaded.to(device).eval();
            var reader = new VideoClipReader(evaluation);
            using var clips = reader.Read(new LabeledVideo(newVideo, -1) { FlowPath = newFlow }, epoch: 0, sampleIndex: 0);
            float[] probabilities;
            using (torch.no_grad())
            using (var scope = torch.NewDisposeScope())
            {
                var logits = reloaded.call(clips.Rgb!.to(device), clips.Flow!.to(device));
                probabilities = logits.softmax(1)[0].cpu().data<float>().ToArray();
            }
            ui.Line($"{Path.GetFileName(newVideo)}: a generated '{SyntheticActionDataset.ClassName(action)}' video (new seed), weights reloaded from the safetensors file");
            var top = probabilities.Select((p, i) => (p, i)).OrderByDescending(t => t.p).Take(Math.Min(5, classes.Count)).ToArray();
            var table = new Table().AddColumns("rank", "class", "probability");
            for (int k = 0; k < top.Length; k++)
                table.AddRow((k + 1).ToString(CultureInfo.InvariantCulture), classes[top[k].i], top[k].p.ToString("P1", CultureInfo.InvariantCulture));
            ui.Write(table);
            var correct = classes[top[0].i] == SyntheticActionDataset.ClassName(action);
            if (correct) ui.Highlight($"predicted '{classes[top[0].i]}': correct");
            else ui.Warn($"predicted '{classes[top[0].i]}', the video shows '{SyntheticActionDataset.ClassName(action)}'");
            timings.Add(("classify", stage.Elapsed));

            ui.Section("Done");
            ui.Line(string.Join(", ", timings.Select(t => $"{t.Stage} {t.Time.TotalSeconds:F0} s")) + $"; total {total.Elapsed.TotalSeconds:F0} s");
            // Far above chance is the demo's promise; say so loudly when it does not hold.
            if (metrics.Top1 < Math.Min(0.9, 2 * chance))
            {
                ui.Warn($"test top-1 {metrics.Top1:P1} is not well above chance ({chance:P1}); try more --epochs");
                return 3;
            }
            return 0;
        }

        private static Table ConfusionTable(long[][] confusion, ClassMap classes)
        {
            var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)");
            table.AddColumn("true \\ predicted");
            for (int j = 0; j < classes.Count; j++)
                table.AddColumn(new TableColumn(Abbreviate(classes[j])).RightAligned());
            for (int i = 0; i < classes.Count; i++)
            {
                var cells = new List<string> { classes[i] };
                cells.AddRange(confusion[i].Select(v => v.ToString(CultureInfo.InvariantCulture)));
                table.AddRow(cells.ToArray());
            }
            return table;
        }

        private static string Abbreviate(string name) => name.Length <= 10 ? name : name[..10];
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
