using Microsoft.Extensions.Logging;

namespace I3D.Net.Training;

/// <summary>Source-generated log messages of the trainer.</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Training on {Device} for {Epochs} epochs, {StepsPerEpoch} steps per epoch, {TrainableParameters} trainable of {Parameters} parameters")]
    public static partial void Started(ILogger logger, string device, int epochs, long stepsPerEpoch, long trainableParameters, long parameters);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Resumed from {Path} at epoch {Epoch}, batch {Batch}, step {Step}")]
    public static partial void Resumed(ILogger logger, string path, int epoch, int batch, long step);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Step {Step}: loss {Loss:G6}, learning rate {LearningRate:G6}")]
    public static partial void StepDone(ILogger logger, long step, double loss, double learningRate);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Epoch {Epoch} done at step {Step}: {Metrics}")]
    public static partial void EpochDone(ILogger logger, int epoch, long step, string metrics);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Checkpoint written to {Path}")]
    public static partial void CheckpointWritten(ILogger logger, string path);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Non-finite loss or gradient at step {Step}: step skipped ({Skipped} skipped so far)")]
    public static partial void StepSkipped(ILogger logger, long step, int skipped);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Non-finite loss or gradient at step {Step}: stopping")]
    public static partial void NonFiniteStop(ILogger logger, long step);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Early stopping at epoch {Epoch}: {Monitor} did not improve on {Best:G6} for {Patience} evaluations")]
    public static partial void EarlyStopped(ILogger logger, int epoch, string monitor, double best, int patience);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Training cancelled at step {Step}; the last complete checkpoint is kept")]
    public static partial void Cancelled(ILogger logger, long step);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Resuming with {Setting} = {Now}, but the checkpoint was written with {Then}; the run will not repeat the original exactly")]
    public static partial void ResumeMismatch(ILogger logger, string setting, string now, string then);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "A callback requested a stop at step {Step}")]
    public static partial void StopRequested(ILogger logger, long step);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Mixed precision: bfloat16 compute copy with float32 master weights; {BatchNormLayers} BatchNorm layers in float32")]
    public static partial void MixedPrecision(ILogger logger, int batchNormLayers);
}
