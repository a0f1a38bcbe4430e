using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace I3D.Net.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block in README.md and docs/*.md compiles as the Program.cs of a fresh console app (top-level
/// statements and the SDK's implicit usings) that references I3D.Net, TorchSharp, OpenCvSharp and
/// Microsoft.Extensions. A block opened with <c>```csharp fragment</c> is a deliberate excerpt (it uses names the
/// prose defines) and is only checked for syntax errors. The rule is written in docs/README.md.
/// </summary>
public sealed partial class DocsSnippetTests
{
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    /// <summary>The repository root: the folder above the test binaries that holds README.md and docs/.</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "docs")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No repository root (README.md, docs/, src/) above {AppContext.BaseDirectory}.");
    }

    /// <summary>A C# block of a Markdown file.</summary>
    internal sealed record Snippet(string File, int Line, string Code, bool Fragment)
    {
        public override string ToString() => $"{File}:{Line}";
    }

    internal static IReadOnlyList<Snippet> Snippets()
    {
        var root = RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        var snippets = new List<Snippet>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var open = Fence().Match(lines[i]);
                if (!open.Success || !open.Groups["lang"].Value.Equals("csharp", StringComparison.Ordinal))
                    continue;
                var indent = open.Groups["indent"].Value.Length;
                var body = new List<string>();
                var start = i + 1;
                for (i++; i < lines.Length && !ClosingFence().IsMatch(lines[i]); i++)
                    body.Add(lines[i].Length >= indent && string.IsNullOrWhiteSpace(lines[i][..indent]) ? lines[i][indent..] : lines[i].TrimStart());
                snippets.Add(new Snippet(Path.GetRelativePath(root, file), start, string.Join('\n', body), open.Groups["info"].Value.Trim() == "fragment"));
            }
        }
        return snippets;
    }

    public static TheoryData<string> SnippetNames()
    {
        var data = new TheoryData<string>();
        foreach (var s in Snippets()) data.Add(s.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(SnippetNames))]
    public void The_csharp_block_compiles(string name)
    {
        var snippet = Snippets().Single(s => s.ToString() == name);
        var errors = Compile(snippet).Select(d => $"{name} (block line {d.Location.GetLineSpan().StartLinePosition.Line + 1}): {d.Id} {d.GetMessage()}").ToList();
        errors.Should().BeEmpty($"every ```csharp block must compile as a console app's Program.cs (mark a deliberate excerpt ```csharp fragment):\n{snippet.Code}");
    }

    [Fact]
    public void The_checker_finds_the_blocks_and_rejects_code_that_does_not_compile()
    {
        Snippets().Should().Contain(s => s.File == "README.md" && !s.Fragment);
        Snippets().Should().Contain(s => s.File == Path.Combine("docs", "getting-started.md") && !s.Fragment);
        Compile(new Snippet("test", 1, "using I3D.Net.Models;\nusing var model = new InceptionI3D(numClasses: 3);\nmodel.NoSuchMember();", false))
            .Should().ContainSingle(d => d.Id == "CS1061");
        Compile(new Snippet("test", 1, "var reader = new VideoClipReader(ClipLoaderOptions.Evaluation);", false))
            .Should().Contain(d => d.Id == "CS0246", "a missing using is an error, as the getting-started snippet once had");
        Compile(new Snippet("test", 1, "model.forward(clip", true)).Should().NotBeEmpty("fragments are still parsed");
        Compile(new Snippet("test", 1, "model.forward(clip);", true)).Should().BeEmpty("fragments may use names the prose defines");
    }

    [Fact]
    public void The_quick_start_names_every_package_a_first_classification_needs_and_getting_started_starts_with_VideoClassifier()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var quickStart = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        quickStart = quickStart[..quickStart.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        foreach (var package in new[] { "dotnet add package I3D.Net", "dotnet add package TorchSharp-cpu", "dotnet add package OpenCvSharp4.official.runtime.linux-x64" })
            quickStart.Should().Contain(package);
        quickStart.Should().Contain("VideoClassifier");

        var gettingStarted = Snippets().First(s => s.File == Path.Combine("docs", "getting-started.md"));
        gettingStarted.Code.Should().Contain("VideoClassifier").And.Contain(".Predict(");
        var text = File.ReadAllText(Path.Combine(root, "docs", "getting-started.md"));
        text.IndexOf("```csharp", StringComparison.Ordinal).Should().BeLessThan(text.IndexOf("## 2.", StringComparison.Ordinal), "the page starts with VideoClassifier");
    }

    internal static IReadOnlyList<Diagnostic> Compile(Snippet snippet)
    {
        if (snippet.Fragment)
            return Parse(snippet).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return CreateCompilation(snippet).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }

    /// <summary>The snippet as the Program.cs of a console app (a library when it has no top-level statements).</summary>
    internal static CSharpCompilation CreateCompilation(Snippet snippet)
    {
        var tree = Parse(snippet);
        // The implicit usings of a `dotnet new console` app.
        var implicitUsings = CSharpSyntaxTree.ParseText(
            "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; " +
            "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", ParseOptions);
        var hasStatements = tree.GetCompilationUnitRoot().Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any();
        return CSharpCompilation.Create("Snippet" + Guid.NewGuid().ToString("N"), [tree, implicitUsings], References.Value,
            new CSharpCompilationOptions(hasStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private static SyntaxTree Parse(Snippet snippet) => CSharpSyntaxTree.ParseText(snippet.Code, ParseOptions, path: snippet.ToString());

    private static MetadataReference[] LoadReferences()
    {
        // The framework (the test host's trusted assemblies) plus the libraries an app using I3D.Net has beside it.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"));
        var references = new Dictionary<string, MetadataReference>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            if (references.ContainsKey(name) || name.StartsWith("I3D.Net.Tests", StringComparison.Ordinal)) continue;
            try
            {
                using var stream = File.OpenRead(path);
                using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
                if (!pe.HasMetadata) continue;
                references[name] = MetadataReference.CreateFromFile(path);
            }
            catch (BadImageFormatException)
            {
                // a native library
            }
        }
        return references.Values.ToArray();
    }

    [GeneratedRegex(@"^(?<indent>\s*)```(?<lang>[A-Za-z#+-]+)(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*```\s*$")]
    private static partial Regex ClosingFence();
}
