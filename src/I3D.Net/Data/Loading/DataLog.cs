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
        Message = "Flow folder '{Folder}' has no {SettingsFile} and its video '{Video}' cannot be opened: assuming {Fps} fps flow (compute flow with FlowExtractor to record its rate)")]
    public static partial void FlowRateAssumed(ILogger logger, string folder, string settingsFile, string video, double fps);
}
