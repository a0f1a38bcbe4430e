using Microsoft.Extensions.Logging;

namespace I3D.Net.Data.Loading;

/// <summary>Source-generated log messages of the data pipeline.</summary>
internal static partial class DataLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "Skipping unreadable item {SampleIndex} '{Path}' in epoch {Epoch} ({Skipped}/{Budget} skips used): {Reason}")]
    public static partial void SkippedUnreadable(ILogger logger, int sampleIndex, string path, int epoch, int skipped, int budget, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug,
        Message = "Reading epoch {Epoch} from batch {FirstBatch} of {Batches} ({Samples} samples, {Workers} workers, prefetch {Prefetch})")]
    public static partial void EpochStarted(ILogger logger, int epoch, int firstBatch, int batches, int samples, int workers, int prefetch);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Dataset check: '{Path}' is unreadable: {Reason}")]
    public static partial void CheckFoundUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning,
        Message = "Dataset check: class '{ClassName}' has no readable item ({Items} annotated); readable items per class: {Counts}")]
    public static partial void CheckFoundEmptyClass(ILogger logger, string className, int items, string counts);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning,
        Message = "Class folder '{ClassFolder}' holds no videos, so class '{ClassName}' has no items; items per class: {Counts}")]
    public static partial void EmptyClassFolder(ILogger logger, string classFolder, string className, string counts);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning,
        Message = "{Empty} of {Classes} classes have no items in the loader's dataset ({Names}); items per class: {Counts}")]
    public static partial void LoaderEmptyClasses(ILogger logger, int empty, int classes, string names, string counts);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning,
        Message = "Flow folder '{Folder}' has no {SettingsFile} and its video '{Video}' cannot be opened: assuming {Fps} fps flow (compute flow with FlowExtractor to record its rate)")]
    public static partial void FlowRateAssumed(ILogger logger, string folder, string settingsFile, string video, double fps);
}
