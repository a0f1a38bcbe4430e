using System.ComponentModel;
using System.Globalization;
using I3D.Net.Flow;
using I3D.Net.Inference;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d classify</c>.</summary>
internal sealed class ClassifySettings : ModelSettings
{
    [CommandArgument(0, "<VIDEOS>")]
    [Description("Video files (or folders of frames) to classify.")]
    public string[] Videos { get; init; } = [];

    [CommandOption("-k|--top <K>")]
    [Description("How many classes to report per video (or window).")]
    [DefaultValue(5)]
    public int Top { get; init; } = 5;

    [CommandOption("--frames <N>")]
    [Description("Frames per clip; omit to read the whole video at once (as the paper evaluates I3D).")]
    public int? Frames { get; init; }

    [CommandOption("--clips <N>")]
    [Description("With --frames: evenly spaced clips whose logits are averaged.")]
    [DefaultValue(1)]
    public int Clips { get; init; } = 1;

    [CommandOption("--crops <N>")]
    [Description("1 (centre) or 3 crops per clip.")]
    [DefaultValue(1)]
    public int Crops { get; init; } = 1;

    [CommandOption("--short-side <PX>")]
    [Description("Resize the shorter side to this first (I3D: 256).")]
    [DefaultValue(256)]
    public int ShortSide { get; init; } = 256;

    [CommandOption("--crop <PX>")]
    [Description("Centre crop size (I3D: 224); 0 keeps the whole frame and skips the resize.")]
    [DefaultValue(224)]
    public int Crop { get; init; } = 224;

    [CommandOption("--fps <FPS>")]
    [Description("Resample to this frame rate first (I3D: 25); 0 keeps the video's rate.")]
    [DefaultValue(25.0)]
    public double Fps { get; init; } = 25;

    [CommandOption("--tvl1 <PRESET>")]
    [Description("TV-L1 settings for the flow stream: model (what the model records, else OpenCV's defaults), default (OpenCV's) or fast.")]
    [DefaultValue("model")]
    public string TvL1 { get; init; } = "model";

    [CommandOption("--timeline")]
    [Description("Classify each window of --window seconds every --stride seconds (long videos).")]
    public bool Timeline { get; init; }

    [CommandOption("--window <SECONDS>")]
    [Description("With --timeline: window length.")]
    [DefaultValue(2.56)]
    public double Window { get; init; } = 2.56;

    [CommandOption("--stride <SECONDS>")]
    [Description("With --timeline: time between window starts (default: --window, no overlap).")]
    public double? Stride { get; init; }

    [CommandOption("--json")]
    [Description("Write the results as JSON on stdout (for scripts).")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (Videos.Length == 0)
            return ValidationResult.Error("Give at least one video.");
        if (Top < 1) return ValidationResult.Error($"--top must be at least 1; found {Top}.");
        if (Frames is < 1) return ValidationResult.Error($"--frames must be at least 1; found {Frames}.");
        if (Clips < 1) return ValidationResult.Error($"--clips must be at least 1; found {Clips}.");
        if (Crops is not (1 or 3)) return ValidationResult.Error($"--crops must be 1 or 3; found {Crops}.");
        if (Crop < 0 || ShortSide < 1) return ValidationResult.Error("--crop must be 0 or more and --short-side at least 1.");
        if (Fps < 0 || !double.IsFinite(Fps)) return ValidationResult.Error($"--fps must be 0 or a positive rate; found {Fps}.");
        if (TvL1 is not ("model" or "default" or "fast")) return ValidationResult.Error($"--tvl1 must be model, default or fast; found '{TvL1}'.");
        if (!(Window > 0) || Stride is not null && !(Stride > 0)) return ValidationResult.Error("--window and --stride must be positive.");
        if (!Timeline && (Stride is not null)) return ValidationResult.Error("--stride applies to --timeline only.");
        if (Timeline && Frames is not null) return ValidationResult.Error("--timeline reads whole windows; leave out --frames.");
        foreach (var video in Videos)
        {
            if (!File.Exists(video) && !Directory.Exists(video))
                return ValidationResult.Error($"'{video}' does not exist.");
        }
        return base.Validate();
    }

    /// <summary>The classifier options these settings describe.</summary>
    public VideoClassifierOptions ToOptions() => VideoClassifierOptions.Default with
    {
        Sampling = Frames is null ? TemporalSampling.WholeVideo : TemporalSampling.Clips,
        ClipLength = Frames ?? 64,
        Clips = Clips,
        Crops = Crops,
        ShortSide = Crop > 0 ? ShortSide : null,
        CropSize = Crop > 0 ? Crop : null,
        FramesPerSecond = Fps > 0 ? Fps : null,
        Device = Device,
        Flow = TvL1 switch
        {
            "default" => VideoClassifier.DefaultFlow with { TvL1 = new TvL1OpticalFlowOptions() },
            "fast" => VideoClassifier.DefaultFlow with { TvL1 = TvL1OpticalFlowOptions.Fast },
            _ => null,
        },
    };
}

/// <summary><c>i3d classify</c>: the top classes of each video, or of each window of a long video.</summary>
internal sealed class ClassifyCommand(ToolEnvironment environment) : AsyncCommand<ClassifySettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ClassifySettings settings, CancellationToken cancellationToken) =>
        Task.Run(() => Execute(settings, cancellationToken), cancellationToken);

    private int Execute(ClassifySettings settings, CancellationToken cancellationToken)
    {
        using var classifier = Open(settings, cancellationToken);
        var model = new ModelJson(Kind(classifier), classifier.ClassNames.Count, settings.Model ?? settings.Pretrained!, classifier.Device.type.ToString().ToLowerInvariant());
        if (!settings.Json)
            environment.WriteLine($"model: {model.Kind} I3D, {model.Classes} classes, from '{model.Source}' on {model.Device}");
        var results = new List<VideoJson>();
        var failed = 0;
        foreach (var video in settings.Videos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results.Add(settings.Timeline ? Timeline(classifier, video, settings, cancellationToken) : Single(classifier, video, settings, cancellationToken));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                // One unreadable video fails alone: the others are still classified, and the exit code says 1.
                failed++;
                environment.WriteError($"{video}: {e.Message}");
                results.Add(new VideoJson(Path.GetFullPath(video), null, null, null, e.Message));
            }
        }
        if (settings.Json)
            Json.Write(environment, new ClassifyJson(model, results));
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static VideoClassifier Open(ClassifySettings settings, CancellationToken cancellationToken)
    {
        var names = settings.Classes is { } file ? I3DModelFile.ReadClassNames(file) : null;
        if (settings.Model is { } path)
            return VideoClassifier.Load(path, settings.ToOptions(), names);
        if (names is not null)
            throw new UsageException("--classes applies to --model; published weights carry their class names.");
        var weights = PretrainedNames.GetClassifier(settings.Pretrained!);
        return VideoClassifier.FromPretrained(weights, settings.ToOptions(), PretrainedNames.Options(settings.Cache, settings.Offline), cancellationToken);
    }

    private VideoJson Single(VideoClassifier classifier, string video, ClassifySettings settings, CancellationToken cancellationToken)
    {
        var prediction = classifier.Predict(video, Math.Min(settings.Top, classifier.ClassNames.Count), cancellationToken);
        var result = new VideoJson(prediction.Video, prediction.Top.Select(ScoreJson.From).ToArray(), prediction.Clips.Count, null, null)
        {
            FramesPerClip = prediction.Clips[0].Frames.Count,
            Crops = prediction.Crops,
        };
        if (!settings.Json)
        {
            environment.WriteLine($"{Path.GetFileName(video)}: top-{prediction.Top.Count} of {classifier.ClassNames.Count} classes "
                + $"({prediction.Clips.Count} clip(s) of {prediction.Clips[0].Frames.Count} frames x {prediction.Crops} crop(s))");
            environment.Out.Write(ScoreTable(prediction.Top));
        }
        return result;
    }

    private VideoJson Timeline(VideoClassifier classifier, string video, ClassifySettings settings, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(settings.Window);
        var windows = classifier.PredictTimeline(video, window, TimeSpan.FromSeconds(settings.Stride ?? settings.Window),
            Math.Min(settings.Top, classifier.ClassNames.Count), cancellationToken);
        var result = new VideoJson(Path.GetFullPath(video), null, null,
            windows.Select(w => new WindowJson(w.Start.TotalSeconds, w.End.TotalSeconds, w.Top.Select(ScoreJson.From).ToArray())).ToArray(), null);
        if (!settings.Json)
        {
            environment.WriteLine($"{Path.GetFileName(video)}: {windows.Count} window(s) of {settings.Window.ToString(CultureInfo.InvariantCulture)} s");
            var table = new Table().AddColumns("start", "end", "class", "probability");
            foreach (var w in windows)
                table.AddRow(Seconds(w.Start), Seconds(w.End), Markup.Escape(w.Best.Name), Percent(w.Best.Probability));
            environment.Out.Write(table);
        }
        return result;
    }

    private static Table ScoreTable(IReadOnlyList<ClassScore> scores)
    {
        var table = new Table().AddColumns("#", "class", "probability");
        table.Columns[2].RightAligned();
        foreach (var (score, rank) in scores.Select((s, i) => (s, i + 1)))
            table.AddRow(rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(score.Name), Percent(score.Probability));
        return table;
    }

    private static string Percent(double p) => p.ToString("P2", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture);

    private static string Kind(VideoClassifier c) => c.ReadsRgb && c.ReadsFlow ? "two-stream" : c.ReadsRgb ? "rgb" : "flow";

    private sealed record ClassifyJson(ModelJson Model, IReadOnlyList<VideoJson> Videos);

    private sealed record ModelJson(string Kind, int Classes, string Source, string Device);

    private sealed record VideoJson(string Video, IReadOnlyList<ScoreJson>? Top, int? Clips, IReadOnlyList<WindowJson>? Windows, string? Error)
    {
        public int? FramesPerClip { get; init; }

        public int? Crops { get; init; }
    }

    private sealed record WindowJson(double Start, double End, IReadOnlyList<ScoreJson> Top);

    private sealed record ScoreJson(int Index, string Name, double Probability)
    {
        public static ScoreJson From(ClassScore s) => new(s.Index, s.Name, s.Probability);
    }
}
