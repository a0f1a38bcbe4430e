using System.Runtime.CompilerServices;
using I3D.Net.Weights;

namespace I3D.Net.Models;

/// <summary>
/// Registers the model side's key mappings with the format-generic loader when the assembly loads, so that
/// <see cref="Checkpoints.LoadStateDict(string)"/> translates kinetics-i3d checkpoints while <c>Weights/</c> never names
/// a model (no Models ↔ Weights cycle).
/// </summary>
internal static class KineticsI3DKeyMappingRegistration
{
#pragma warning disable CA2255 // A library's module initializer: it only adds an immutable mapping to a list, and must run before any checkpoint is read.
    [ModuleInitializer]
    internal static void Register() => StateDictKeyMappings.Register(KineticsI3DKeyMapping.Instance);
#pragma warning restore CA2255
}
