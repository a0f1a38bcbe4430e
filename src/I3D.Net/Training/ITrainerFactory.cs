using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace I3D.Net.Training;

/// <summary>Creates trainers for models with the options, logging and callbacks registered in DI.</summary>
public interface ITrainerFactory
{
    /// <summary>Creates a trainer for <paramref name="model"/> with the configured <see cref="TrainingOptions"/>.</summary>
    I3DTrainer Create(ClassifierAdapter model);
}

/// <summary>The default <see cref="ITrainerFactory"/>: options from <see cref="IOptions{TOptions}"/>, callbacks from the container.</summary>
/// <param name="options">The validated training options.</param>
/// <param name="callbacks">Registered callbacks, called in registration order.</param>
/// <param name="loggerFactory">Logger factory; null logs nothing.</param>
/// <param name="fileSystem">File operations for checkpoints; null uses the local file system.</param>
public sealed class TrainerFactory(IOptions<TrainingOptions> options, IEnumerable<ITrainingCallback> callbacks,
    ILoggerFactory? loggerFactory = null, ICheckpointFileSystem? fileSystem = null) : ITrainerFactory
{
    /// <inheritdoc />
    public I3DTrainer Create(ClassifierAdapter model) =>
        new(model, options.Value, loggerFactory?.CreateLogger<I3DTrainer>(), callbacks, fileSystem);
}
