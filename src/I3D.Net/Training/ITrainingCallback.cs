using TorchSharp;

namespace I3D.Net.Training;

/// <summary>User hooks into a run. Every method has an empty default; implement the ones you need.</summary>
public interface ITrainingCallback
{
    /// <summary>Called once before the first step (after any resume).</summary>
    void OnTrainBegin(TrainingBeginContext context) { }

    /// <summary>Called after every optimizer step (skipped ones included).</summary>
    void OnStepEnd(StepEndContext context) { }

    /// <summary>Called after every epoch, after validation.</summary>
    void OnEpochEnd(EpochEndContext context) { }

    /// <summary>Called once when the run ends normally (not on cancellation or exceptions).</summary>
    void OnTrainEnd(TrainingResult result) { }
}

/// <summary>Base of the callback contexts: lets a callback end the run after the current step or epoch.</summary>
public abstract class TrainingCallbackContext
{
    /// <summary>The module being trained.</summary>
    public required torch.nn.Module Module { get; init; }

    /// <summary>Whether a callback asked to stop.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Ends the run gracefully after this hook (a checkpoint is written when checkpointing is on).</summary>
    public void RequestStop() => StopRequested = true;
}

/// <summary>Passed to <see cref="ITrainingCallback.OnTrainBegin"/>.</summary>
public sealed class TrainingBeginContext : TrainingCallbackContext
{
    /// <summary>Epoch the run starts in (non-zero after a resume).</summary>
    public required int StartEpoch { get; init; }

    /// <summary>Optimizer step the run starts at.</summary>
    public required long StartStep { get; init; }

    /// <summary>The run's total optimizer steps.</summary>
    public required long TotalSteps { get; init; }
}

/// <summary>Passed to <see cref="ITrainingCallback.OnStepEnd"/>.</summary>
public sealed class StepEndContext : TrainingCallbackContext
{
    /// <summary>The step's progress values.</summary>
    public required TrainingProgress Progress { get; init; }
}

/// <summary>Passed to <see cref="ITrainingCallback.OnEpochEnd"/>.</summary>
public sealed class EpochEndContext : TrainingCallbackContext
{
    /// <summary>The epoch's metrics.</summary>
    public required EpochRecord Record { get; init; }
}
