using System.ComponentModel;
using System.Globalization;
using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options every <c>i3d weights</c> command has.</summary>
internal class WeightsSettings : CommandSettings
{
    [CommandOption("--cache <DIR>")]
    [Description("The cache folder (default: $I3D_NET_HOME, else $XDG_CACHE_HOME/i3d-net, else ~/.cache/i3d-net).")]
    public string? Cache { get; init; }

    /// <summary>The cache folder in use.</summary>
    public string CacheFolder => Path.GetFullPath(Cache ?? PretrainedWeights.DefaultCacheDirectory);
}

/// <summary>Options of <c>i3d weights list</c>.</summary>
internal sealed class WeightsListSettings : WeightsSettings
{
    [CommandOption("--json")]
    [Description("Write the list as JSON on stdout.")]
    public bool Json { get; init; }
}

/// <summary>Options of the <c>i3d weights</c> commands that take a name.</summary>
internal sealed class WeightsNameSettings : WeightsSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The weights' name ('i3d weights list'); 'kinetics400' is the two-stream Kinetics-400 model.")]
    public string Name { get; init; } = "";
}

/// <summary>Where a descriptor's usable file is in the cache, and whether it is there.</summary>
internal static class WeightsCache
{
    /// <summary>The file(s) FromPretrained uses: the converted safetensors of each stream, or the GoogLeNet .pth.</summary>
    public static IReadOnlyList<string> Files(WeightsDescriptor weights, string cache) => weights switch
    {
        { Streams: { } streams } => streams.SelectMany(s => Files(s, cache)).ToArray(),
        { Architecture: "GoogLeNet" } => [Path.Combine(cache, Path.GetFileName(weights.Files[0].FileName))],
        _ => [Path.Combine(cache, PretrainedWeights.CachedFileName(weights))],
    };

    public static bool IsCached(WeightsDescriptor weights, string cache) => Files(weights, cache).All(File.Exists);
}

/// <summary><c>i3d weights list</c>.</summary>
internal sealed class WeightsListCommand(ToolEnvironment environment) : Command<WeightsListSettings>
{
    public override int Execute(CommandContext context, WeightsListSettings settings, CancellationToken cancellationToken)
    {
        var cache = settings.CacheFolder;
        var rows = I3DWeights.All.Select(w => new WeightsJson(
            w.Name, w == I3DWeights.Kinetics400TwoStream ? PretrainedNames.Kinetics400 : null, w.Architecture, w.NumClasses,
            string.Join("+", w.Inputs.Select(i => i.Modality.ToString().ToLowerInvariant())), w.Accuracy?.Top1, w.Accuracy?.Dataset, w.License,
            WeightsCache.IsCached(w, cache), w.Description)).ToArray();
        if (settings.Json)
        {
            Json.Write(environment, new { cache, weights = rows });
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("name", "classes", "inputs", "top-1", "cached");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Name + (r.Alias is null ? "" : $" ({r.Alias})")), r.Classes.ToString(CultureInfo.InvariantCulture), r.Inputs,
                r.Top1 is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t:F1} %") : "", r.Cached ? "yes" : "no");
        environment.Out.Write(table);
        environment.WriteLine($"cache: {cache}");
        return ExitCodes.Ok;
    }

    private sealed record WeightsJson(string Name, string? Alias, string Architecture, int Classes, string Inputs, double? Top1, string? Dataset,
        string License, bool Cached, string Description);
}

/// <summary><c>i3d weights download</c>.</summary>
internal sealed class WeightsDownloadCommand(ToolEnvironment environment) : AsyncCommand<WeightsNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, WeightsNameSettings settings, CancellationToken cancellationToken)
    {
        var weights = PretrainedNames.Get(settings.Name);
        var cache = settings.CacheFolder;
        var files = await ProgressBar.RunAsync(environment, $"download {weights.Name}", async report =>
        {
            var received = 0L;
            var progress = new InlineProgress<long>(bytes => report(received = bytes, Math.Max(bytes, 50_000_000), null));
            return await Resolve(weights, cache, allowDownload: true, progress, cancellationToken);
        });
        foreach (var file in files)
            environment.WriteLine($"{weights.Name}: {file}");
        return ExitCodes.Ok;
    }

    /// <summary>Resolves every stream (or the GoogLeNet file) through the library, downloading when allowed.</summary>
    internal static async Task<IReadOnlyList<string>> Resolve(WeightsDescriptor weights, string cache, bool allowDownload, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        if (weights.Architecture == "GoogLeNet")
            return [await ImageNetInitialization.ResolveGoogLeNetAsync(new ImageNetWeightsOptions { CacheDirectory = cache, AllowDownload = allowDownload, Progress = progress }, cancellationToken)];
        var files = new List<string>();
        foreach (var stream in weights.Streams ?? [weights])
            files.Add(await PretrainedWeights.ResolveAsync(stream, new PretrainedWeightsOptions { CacheDirectory = cache, AllowDownload = allowDownload, Progress = progress }, cancellationToken));
        return files;
    }
}

/// <summary>
/// <c>i3d weights verify</c>: for DeepMind's checkpoints, every tensor of the cached data shard is checked again against
/// the index shipped in I3D.Net (size and CRC-32C, through a fresh conversion into a temporary folder), and the cached
/// converted file must load strictly into the model; for GoogLeNet, the file's SHA-256 prefix.
/// </summary>
internal sealed class WeightsVerifyCommand(ToolEnvironment environment) : AsyncCommand<WeightsNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, WeightsNameSettings settings, CancellationToken cancellationToken)
    {
        var weights = PretrainedNames.Get(settings.Name);
        var cache = settings.CacheFolder;
        var failed = 0;
        foreach (var stream in weights.Streams ?? [weights])
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var checkedFiles = await Task.Run(() => Verify(stream, cache, cancellationToken), cancellationToken);
                environment.WriteLine($"{stream.Name}: ok ({checkedFiles})");
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
            {
                failed++;
                environment.WriteError($"{stream.Name}: {e.Message}");
            }
        }
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<string> Verify(WeightsDescriptor weights, string cache, CancellationToken cancellationToken)
    {
        if (weights.Architecture == "GoogLeNet")
        {
            var file = (await WeightsDownloadCommand.Resolve(weights, cache, allowDownload: false, null, cancellationToken))[0];
            return $"{file}: SHA-256 matches";
        }
        var converted = Path.Combine(cache, PretrainedWeights.CachedFileName(weights));
        var data = Path.Combine(cache, weights.Files.Single(f => f.FileName.Contains(".data-", StringComparison.Ordinal)).FileName);
        if (!File.Exists(converted) && !File.Exists(data))
            throw new FileNotFoundException($"not in the cache '{cache}'; run 'i3d weights download {weights.Name}'.");
        var report = new List<string>();
        if (File.Exists(data))
        {
            // A fresh conversion in a temporary cache re-reads every tensor of the shard against the shipped index.
            var temp = Directory.CreateTempSubdirectory("i3d-verify-");
            try
            {
                var prefix = data[..data.LastIndexOf(".data-", StringComparison.Ordinal)];
                var fresh = await PretrainedWeights.ResolveAsync(weights,
                    new PretrainedWeightsOptions { WeightsPath = prefix, CacheDirectory = temp.FullName, AllowDownload = false }, cancellationToken);
                report.Add($"{data}: every tensor matches the published index");
                if (File.Exists(converted) && !SameTensors(converted, fresh))
                    throw new InvalidDataException($"'{converted}' differs from a fresh conversion of '{data}'; delete it and run 'i3d weights download {weights.Name}'.");
            }
            finally
            {
                temp.Delete(recursive: true);
            }
        }
        if (File.Exists(converted))
        {
            var metadata = SafeTensorsFile.ReadHeader(converted).Metadata;
            if (!metadata.TryGetValue(PretrainedWeights.WeightsMetadataKey, out var name) || name != weights.Name)
                throw new InvalidDataException($"'{converted}' does not record that it holds '{weights.Name}'.");
            using var model = new InceptionI3D(weights.NumClasses, weights.Inputs[0].Channels);
            StateDictLoader.LoadSafeTensors(model, converted, strict: true);
            report.Add($"{converted}: loads into the model");
        }
        return string.Join("; ", report);
    }

    private static bool Equal(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        using var same = a.eq(b);
        using var all = same.all();
        return all.item<bool>();
    }

    private static bool SameTensors(string a, string b)
    {
        var left = SafeTensorsFile.Load(a, out _);
        var right = SafeTensorsFile.Load(b, out _);
        try
        {
            return left.Count == right.Count && left.All(kv => right.TryGetValue(kv.Key, out var other)
                && kv.Value.shape.SequenceEqual(other.shape) && kv.Value.dtype == other.dtype && Equal(kv.Value, other));
        }
        finally
        {
            foreach (var t in left.Values.Concat(right.Values)) t.Dispose();
        }
    }
}

/// <summary><c>i3d weights path</c>: prints the cache folder, alone on its line (for <c>$(i3d weights path)</c>).</summary>
internal sealed class WeightsPathCommand(ToolEnvironment environment) : Command<WeightsSettings>
{
    public override int Execute(CommandContext context, WeightsSettings settings, CancellationToken cancellationToken)
    {
        environment.WriteLine(settings.CacheFolder);
        return ExitCodes.Ok;
    }
}
