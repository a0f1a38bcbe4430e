using I3D.Net.Training;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers I3D.Net training services.</summary>
public static class I3DTrainingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrainingOptions"/> (validated by <see cref="TrainingOptionsValidator"/> when first used and,
    /// with a host, at startup) and an <see cref="ITrainerFactory"/>. Add <see cref="ITrainingCallback"/>s as services
    /// to have every trainer call them.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The options builder, for further configuration (e.g. binding to configuration).</returns>
    public static OptionsBuilder<TrainingOptions> AddI3DTraining(this IServiceCollection services, Action<TrainingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<TrainingOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainingOptions>, TrainingOptionsValidator>());
        services.TryAddSingleton<ITrainerFactory, TrainerFactory>();
        return builder;
    }
}
