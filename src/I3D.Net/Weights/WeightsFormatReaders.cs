using System.Reflection;

namespace I3D.Net.Weights;

/// <summary>The registered readers, read once from the <see cref="CheckpointFormat"/> members' <see cref="WeightsFormatReaderAttribute{TReader}"/>.</summary>
internal static class WeightsFormatReaders
{
    /// <summary>Every format with a reader, in detection order: declaration order, fallbacks last.</summary>
    public static IReadOnlyList<(CheckpointFormat Format, IWeightsFormatReader Reader)> All { get; } =
        typeof(CheckpointFormat).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Format: (CheckpointFormat)f.GetValue(null)!, Attribute: f.GetCustomAttribute<WeightsFormatReaderAttribute>()))
            .Where(p => p.Attribute is not null)
            .OrderBy(p => p.Attribute!.Fallback) // stable: declaration order within each group
            .Select(p => (p.Format, p.Attribute!.CreateReader()))
            .ToArray();

    /// <summary>The reader of <paramref name="format"/>, or null (for <see cref="CheckpointFormat.Unknown"/>).</summary>
    public static IWeightsFormatReader? For(CheckpointFormat format) =>
        All.FirstOrDefault(r => r.Format == format).Reader;
}
