using I3D.Net.Data.Loading;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Transforms;
using I3D.Net.Models;
using I3D.Net.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace I3D.Net.Samples.Hosted;

/// <summary>Settings of <see cref="TrainingWorker"/> (section <c>Worker</c> of appsettings.json).</summary>
public sealed class WorkerOptions
{
    /// <summary>Where the generated dataset and checkpoints go.</summary>
    public string Output { get; set; } = "artifacts/hosted";

    /// <summary>Number of synthetic action classes.</summary>
    public int Classes { get; set; } = 3;

    /// <summary>Videos per class.</summary>
    public int VideosPerClass { get; set; } = 8;

    /// <summary>Frame side in pixels.</summary>
    public int Size { get; set; } = 48;
}

/// <summary>
/// A background job in a generic host: generates a small dataset, fine-tunes an RGB I3D with a trainer from the
/// container's <see cref="ITrainerFactory"/> (options validated at startup, logging through <see cref="ILogger{T}"/>),
/// evaluates it, then stops the host. Ctrl+C cancels within one step; the last checkpoint stays intact.
/// </summary>
public sealed partial class TrainingWorker(ITrainerFactory trainers, IOptions<TrainingOptions> trainingOptions, IOptions<WorkerOptions> workerOptions,
    IHostApplicationLifetime lifetime, ILogger<TrainingWorker> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
            Environment.ExitCode = 0;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogCancelled(logger);
        }
        catch (Exception e)
        {
            LogFailed(logger, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var w = workerOptions.Value;
        var root = Path.GetFullPath(w.Output);
        var dataset = await Task.Run(() => SyntheticActionDataset.Generate(Path.Combine(root, "data"), new SyntheticDatasetOptions
        {
            Actions = Enum.GetValues<SyntheticAction>().Take(w.Classes).ToArray(),
            VideosPerClass = w.VideosPerClass,
            FrameCount = 12,
            Width = w.Size,
            Height = w.Size,
            Seed = 5,
            ValidationFraction = 0.25,
            TestFraction = 0,
        }, ct), ct);
        LogDataset(logger, dataset.Train.Count, dataset.Validation.Count, dataset.Classes.Count, dataset.Root);

        // No flips: a mirrored "move left" is a "move right".
        var transform = new ClipTransformOptions { ShortSide = null, CropSize = 32, RandomCrop = true };
        var loader = new ClipLoaderOptions { BatchSize = 4, ClipLength = 8, TargetFps = null, Workers = 1, Transform = transform };
        var train = new VideoClipLoader(dataset.Train, loader);
        var validation = new VideoClipLoader(dataset.Validation, loader with
        {
            Sampling = ClipSamplingMode.Center, Transform = transform with { RandomCrop = false }, Shuffle = false, DropLast = false,
        });

        using var model = new InceptionI3D(dataset.Classes.Count, inChannels: 3, new InceptionI3DOptions { BatchNormMomentum = 0.1 });
        var trainer = trainers.Create(ClassifierAdapter.Rgb(model));
        // The registered options, with this job's checkpoint folder.
        var options = trainingOptions.Value.Clone();
        options.Checkpoint ??= new CheckpointOptions { Directory = Path.Combine(root, "checkpoints"), KeepLast = 1 };
        var result = await trainer.FitAsync(train, validation, options, progress: null, ct);
        var metrics = await trainer.EvaluateAsync(validation, options, ct);
        LogDone(logger, result.EpochsCompleted, result.Steps, metrics.Top1, metrics.MeanClassAccuracy, result.LastCheckpoint ?? "(none)");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset: {Train} training and {Validation} validation videos of {Classes} classes in {Root}")]
    private static partial void LogDataset(ILogger logger, int train, int validation, int classes, string root);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained {Epochs} epochs ({Steps} steps): validation top-1 {Top1:P1}, mean class accuracy {MeanClass:P1}; checkpoint {Checkpoint}")]
    private static partial void LogDone(ILogger logger, int epochs, long steps, double top1, double meanClass, string checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training cancelled; the last complete checkpoint is kept")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
