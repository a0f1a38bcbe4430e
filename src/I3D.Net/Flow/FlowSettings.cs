using I3D.Net.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace I3D.Net.Flow;

/// <summary>
/// How a flow folder's images were made: the method and its parameters, the clipping bound, the 8-bit/JPEG storage,
/// the frame size, and the frame rates. <see cref="FlowExtractor"/> writes it as <see cref="FileName"/> (JSON) into
/// every folder it completes; the data pipeline reads it to resample flow exactly like the RGB frames, and a model
/// that computes flow in memory can use it to reproduce the training preprocessing.
/// </summary>
/// <remarks>
/// Flow image (pair) <c>i</c> (0-based; file number <c>i + 1</c>) is the flow from frame <c>i</c> to frame
/// <c>i + 1</c> of the video sampled at <see cref="Fps"/>. When <see cref="Fps"/> equals <see cref="SourceFps"/>
/// (the default: every decoded frame), pair <c>i</c> starts at source frame <c>i</c>.
/// </remarks>
public sealed record FlowSettings
{
    /// <summary>The file name of the settings in a flow folder.</summary>
    public const string FileName = "flow.json";

    /// <summary>The format version this library writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Format version of the file (<see cref="CurrentVersion"/>).</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The flow method.</summary>
    public FlowMethod Method { get; init; } = FlowMethod.TvL1;

    /// <summary>The implementation's type name when <see cref="Method"/> is <see cref="FlowMethod.Custom"/>, else null.</summary>
    public string? CustomMethod { get; init; }

    /// <summary>TV-L1 parameters when <see cref="Method"/> is <see cref="FlowMethod.TvL1"/>, else null.</summary>
    public TvL1OpticalFlowOptions? TvL1 { get; init; }

    /// <summary>Farnebäck parameters when <see cref="Method"/> is <see cref="FlowMethod.Farneback"/>, else null.</summary>
    public FarnebackOpticalFlowOptions? Farneback { get; init; }

    /// <summary>Flow was clipped to ±<see cref="Bound"/> pixels (20 for I3D) before storage or use.</summary>
    public double Bound { get; init; } = FlowQuantization.DefaultBound;

    /// <summary>Whether the flow was quantised to 8 bits (<see cref="FlowQuantization"/>), as stored flow images are.</summary>
    public bool Quantized { get; init; } = true;

    /// <summary>JPEG quality of the stored images (0–100), or null when the flow was not stored as JPEG (e.g. computed in memory).</summary>
    public int? JpegQuality { get; init; } = 95;

    /// <summary>Width the grayscale frames were resized to before computing flow, or null for the video's own size.</summary>
    public int? FrameWidth { get; init; }

    /// <summary>Height the grayscale frames were resized to before computing flow, or null for the video's own size.</summary>
    public int? FrameHeight { get; init; }

    /// <summary>Frame rate of the source video (0 when unknown).</summary>
    public double SourceFps { get; init; }

    /// <summary>
    /// The rate of the frames the flow was computed between: pair <c>i</c> is frames <c>i</c>→<c>i + 1</c> at this rate.
    /// Equal to <see cref="SourceFps"/> unless the video was resampled first (<see cref="FlowExtractionOptions.TargetFps"/>).
    /// </summary>
    public double Fps { get; init; }

    /// <summary>Number of flow pairs in the folder, or null when not recorded.</summary>
    public int? FramePairs { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>The settings that describe <paramref name="method"/> with the storage options of <paramref name="options"/>.</summary>
    /// <param name="method">The flow method; TV-L1 and Farnebäck record their parameters, others their type name.</param>
    /// <param name="options">Bound, JPEG quality and frame size (defaults when null).</param>
    /// <param name="sourceFps">The video's frame rate (0 if unknown).</param>
    /// <param name="fps">The rate the flow was computed at (0: <paramref name="sourceFps"/>).</param>
    public static FlowSettings Describe(IOpticalFlow method, FlowExtractionOptions? options = null, double sourceFps = 0, double fps = 0)
    {
        ArgumentNullException.ThrowIfNull(method);
        options ??= new FlowExtractionOptions();
        var settings = method switch
        {
            TvL1OpticalFlow tvl1 => new FlowSettings { Method = FlowMethod.TvL1, TvL1 = tvl1.Options },
            FarnebackOpticalFlow farneback => new FlowSettings { Method = FlowMethod.Farneback, Farneback = farneback.Options },
            _ => new FlowSettings { Method = FlowMethod.Custom, CustomMethod = method.GetType().FullName },
        };
        return settings with
        {
            Bound = options.Bound,
            Quantized = true,
            JpegQuality = options.JpegQuality,
            FrameWidth = options.FrameSize?.Width,
            FrameHeight = options.FrameSize?.Height,
            SourceFps = sourceFps,
            Fps = fps > 0 ? fps : sourceFps,
        };
    }

    /// <summary>Creates the flow method these settings describe.</summary>
    /// <exception cref="NotSupportedException">The method is <see cref="FlowMethod.Custom"/>.</exception>
    public IOpticalFlow CreateMethod() => Method switch
    {
        FlowMethod.TvL1 => new TvL1OpticalFlow(TvL1),
        FlowMethod.Farneback => new FarnebackOpticalFlow(Farneback),
        _ => throw new NotSupportedException(
            $"Flow method '{CustomMethod ?? Method.ToString()}' is not built into I3D.Net; create it yourself."),
    };

    /// <summary>
    /// Whether flow made with <paramref name="other"/> is interchangeable with flow made with these settings: the same
    /// method and parameters, bound, storage, frame size and flow frame rate (the source rate and pair count, which
    /// differ per video, are not compared).
    /// </summary>
    public bool SamePreprocessing(FlowSettings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        static FlowSettings Core(FlowSettings s) => s with { SourceFps = 0, FramePairs = null, Fps = Math.Round(s.Fps, 6) };
        return Core(this) == Core(other);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("flow settings");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        void Require(bool ok, string name, object? value, string expected) =>
            errors.Require(ok, $"Flow setting {name} must be {expected}; found {value?.ToString() ?? "null"}.", name);

        Require(Version is >= 1 and <= CurrentVersion, nameof(Version), Version, $"1–{CurrentVersion} (this library's format)");
        Require(Enum.IsDefined(Method), nameof(Method), Method, "TvL1, Farneback or Custom");
        Require(Method != FlowMethod.Custom || !string.IsNullOrWhiteSpace(CustomMethod), nameof(CustomMethod), CustomMethod, "set for a custom method");
        Require(Bound > 0 && double.IsFinite(Bound), nameof(Bound), Bound, "a finite number > 0");
        Require(JpegQuality is null or (>= 0 and <= 100), nameof(JpegQuality), JpegQuality, "null or in 0–100");
        Require(JpegQuality is null || Quantized, nameof(Quantized), Quantized, "true when JpegQuality is set (JPEGs hold 8-bit flow)");
        Require((FrameWidth is null) == (FrameHeight is null), nameof(FrameWidth), $"{FrameWidth}×{FrameHeight}", "set together with FrameHeight");
        Require(FrameWidth is null or >= 2 && FrameHeight is null or >= 2, nameof(FrameWidth), $"{FrameWidth}×{FrameHeight}", "at least 2×2 pixels");
        Require(SourceFps >= 0 && double.IsFinite(SourceFps), nameof(SourceFps), SourceFps, "a finite number ≥ 0 (0: unknown)");
        Require(Fps >= 0 && double.IsFinite(Fps), nameof(Fps), Fps, "a finite number ≥ 0 (0: unknown)");
        Require(FramePairs is null or >= 0, nameof(FramePairs), FramePairs, "null or ≥ 0");
        TvL1?.Collect(errors);
        Farneback?.Collect(errors);
    }

    /// <summary>The settings as indented JSON (camelCase names, enums as strings).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses settings written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where the text came from, for error messages.</param>
    /// <exception cref="InvalidDataException">The text is not valid flow settings (the message names <paramref name="source"/>).</exception>
    public static FlowSettings FromJson(string json, string source = "flow settings")
    {
        ArgumentNullException.ThrowIfNull(json);
        FlowSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<FlowSettings>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{source}' is not valid flow settings JSON: {e.Message}", e);
        }
        if (settings is null)
            throw new InvalidDataException($"'{source}' holds JSON null, expected a flow settings object.");
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{source}': {e.Message}", e);
        }
        return settings;
    }

    /// <summary>Writes the settings as <see cref="FileName"/> in <paramref name="folder"/>, atomically (temp file + rename).</summary>
    /// <returns>The file written.</returns>
    public string Save(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Validate();
        var path = Path.Combine(folder, FileName);
        AtomicFile.WriteAllText(path, ToJson());
        return path;
    }

    /// <summary>Reads <see cref="FileName"/> from a flow folder, or returns null when the folder has none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not valid flow settings.</exception>
    public static FlowSettings? TryLoad(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = Path.Combine(folder, FileName);
        return File.Exists(path) ? FromJson(File.ReadAllText(path), path) : null;
    }

    /// <summary>A one-line description, e.g. <c>TvL1, ±20 px, JPEG 95, 30 fps (source 30 fps)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Method == FlowMethod.Custom ? CustomMethod : Method.ToString())}, ±{Bound:G} px, "
        + $"{(JpegQuality is { } q ? $"JPEG {q}" : Quantized ? "8-bit" : "float")}"
        + $"{(FrameWidth is { } w ? $", {w}×{FrameHeight}" : "")}, "
        + $"{(Fps > 0 ? $"{Fps:G} fps (source {(SourceFps > 0 ? $"{SourceFps:G} fps" : "rate unknown")})" : "at each video's own frame rate")}"
        + $"{(FramePairs is { } n ? $", {n} pairs" : "")}");
}
