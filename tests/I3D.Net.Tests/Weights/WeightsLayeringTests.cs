using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using I3D.Net.Models;
using I3D.Net.Tests.Docs;
using I3D.Net.Weights;

namespace I3D.Net.Tests.Weights;

/// <summary>
/// Weights/ is format-generic I/O: nothing in it names the model (Models uses Weights, never the reverse), so the
/// former Models ↔ Weights cycle cannot come back unnoticed.
/// </summary>
public class WeightsLayeringTests
{
    private static readonly Assembly Library = typeof(Checkpoints).Assembly;

    private static bool IsModels(Type? t) => t?.Namespace is { } ns && (ns == "I3D.Net.Models" || ns.StartsWith("I3D.Net.Models.", StringComparison.Ordinal));

    private static bool IsWeights(Type t) => t.Namespace is { } ns && (ns == "I3D.Net.Weights" || ns.StartsWith("I3D.Net.Weights.", StringComparison.Ordinal));

    [Fact]
    public void No_source_file_under_Weights_uses_the_Models_namespace_or_names_one_of_its_types()
    {
        var modelTypes = Library.GetTypes().Where(IsModels).Select(t => Regex.Replace(t.Name, "`.*$", ""))
            .Where(n => !n.StartsWith('<')).Distinct().ToArray();
        modelTypes.Should().Contain(["InceptionI3D", "I3DArchitecture", "KineticsI3DCheckpoint", "GoogLeNetInflation"]);
        var word = new Regex($@"\b(?:I3D\.Net\.Models|{string.Join("|", modelTypes.Select(Regex.Escape))})\b");
        var folder = Path.Combine(DocsSnippetTests.RepositoryRoot(), "src", "I3D.Net", "Weights");
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToArray();
        files.Should().HaveCountGreaterThan(20);
        var offending = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                // Code only: comments (XML docs included) and string literals may mention the model by name.
                var code = Regex.Replace(lines[i], "//.*$", "");
                code = Regex.Replace(code, "\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
                if (word.Match(code) is { Success: true } m)
                    offending.Add($"{Path.GetRelativePath(folder, file)}:{i + 1}: {m.Value}");
            }
        }
        offending.Should().BeEmpty();
    }

    [Fact]
    public void No_Weights_type_has_a_Models_type_in_its_signatures_while_Models_uses_Weights()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        IEnumerable<Type> Mentioned(Type t) =>
            new[] { t.BaseType }.Concat(t.GetInterfaces())
                .Concat(t.GetFields(all).Select(f => f.FieldType))
                .Concat(t.GetProperties(all).Select(p => p.PropertyType))
                .Concat(t.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)))
                .Concat(t.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)))
                .OfType<Type>()
                .SelectMany(x => x.IsGenericType ? x.GetGenericArguments().Append(x) : [x.HasElementType ? x.GetElementType()! : x]);

        var weightsToModels = Library.GetTypes().Where(IsWeights)
            .SelectMany(t => Mentioned(t).Where(IsModels).Select(m => $"{t.FullName} → {m.FullName}")).Distinct().ToList();
        weightsToModels.Should().BeEmpty();

        // The dependency that remains goes one way: the model's weights code uses the format-generic readers.
        Library.GetTypes().Where(IsModels).SelectMany(Mentioned).Should().Contain(t => IsWeights(t));
    }
}
