using I3D.Net.Weights;
using I3D.Net.IO;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using I3D.Net.Data.Annotations;
using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Models;

/// <summary>
/// Gets the published I3D weights of <see cref="I3DWeights"/> onto this machine, verified, and builds models from
/// them: this is what <c>InceptionI3D.FromPretrained</c> and <c>TwoStreamI3D.FromPretrained</c> call.
/// </summary>
/// <remarks>
/// <para>
/// Trust: a descriptor's TensorFlow <c>.index</c> file is named by its SHA-256. The five kinetics-i3d indexes ship
/// inside I3D.Net.dll, so for <see cref="I3DWeights"/> nothing but the ~50 MB data shard is downloaded, and every
/// tensor in it (optimizer slots included) is checked against the shipped index: size and CRC-32C. A descriptor
/// whose index is not shipped (a mirror, or a test's own checkpoint: <c>descriptor with { Files = … }</c>) has its
/// index downloaded and checked against that SHA-256 first. A data file's SHA-256 is checked too where the
/// descriptor gives one.
/// </para>
/// <para>
/// Cache layout (<see cref="PretrainedWeightsOptions.CacheDirectory"/>): the checkpoint as published,
/// <c>&lt;folder&gt;/model.ckpt.index</c> and <c>&lt;folder&gt;/model.ckpt.data-00000-of-00001</c> (e.g.
/// <c>rgb_imagenet/</c>), a download in progress as <c>&lt;folder&gt;/.model.ckpt.data-00000-of-00001.partial</c>,
/// and the converted model as <c>&lt;name&gt;.safetensors</c> (e.g. <c>kinetics400-rgb-imagenet.safetensors</c>)
/// whose metadata holds the class names, the input conventions and the digest of the index it was verified against.
/// </para>
/// </remarks>
public static class PretrainedWeights
{
    /// <summary>Metadata key of a converted file: the <see cref="WeightsDescriptor.Name"/> it was made from.</summary>
    public const string WeightsMetadataKey = "i3d.net.weights";

    /// <summary>Metadata key of a converted file: the class names in logit order, as <see cref="ClassMap.ToJson"/> writes them.</summary>
    public const string ClassesMetadataKey = "classes";

    /// <summary>Metadata key of a converted file: the <see cref="WeightsDescriptor.Inputs"/> conventions, as a JSON array.</summary>
    public const string InputsMetadataKey = "inputs";

    /// <summary>Metadata key of a converted file: the SHA-256 of the TensorFlow index every tensor was verified against.</summary>
    public const string SourceIndexMetadataKey = "source_index_sha256";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// The default cache folder, shared with <see cref="ImageNetInitialization.DefaultCacheDirectory"/>:
    /// <c>$I3D_NET_HOME</c> if set, else <c>$XDG_CACHE_HOME/i3d-net</c>, else <c>~/.cache/i3d-net</c>.
    /// </summary>
    public static string DefaultCacheDirectory => ImageNetInitialization.DefaultCacheDirectory;

    /// <summary>The name of the converted file in the cache: <c>&lt;name&gt;.safetensors</c>.</summary>
    /// <param name="weights">Single-stream weights.</param>
    /// <returns>E.g. <c>kinetics400-rgb-imagenet.safetensors</c>.</returns>
    public static string CachedFileName(WeightsDescriptor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Name + ".safetensors";
    }

    /// <summary>Reads the input conventions stored in a converted file's metadata (<see cref="InputsMetadataKey"/>).</summary>
    /// <param name="metadata">A safetensors file's metadata.</param>
    /// <returns>The conventions, or <see langword="null"/> when the metadata has none.</returns>
    public static IReadOnlyList<InputConventions>? ReadInputs(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(InputsMetadataKey, out var json) ? JsonSerializer.Deserialize<InputConventions[]>(json, Json) : null;
    }

    /// <summary>
    /// Returns a safetensors file holding the state dict of one <see cref="InceptionI3D"/> stream for
    /// <paramref name="weights"/>: <see cref="PretrainedWeightsOptions.WeightsPath"/>'s own safetensors, or the
    /// converted file in the cache, converting (and first downloading) the TensorFlow checkpoint when needed.
    /// </summary>
    /// <param name="weights">Single-stream I3D weights, e.g. <see cref="I3DWeights.Kinetics400Rgb"/>.</param>
    /// <param name="options">Where to look; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels a download (what was received is kept and resumed next time).</param>
    /// <returns>A local safetensors path.</returns>
    /// <exception cref="ArgumentException">The weights are two-stream, GoogLeNet, or of a format this method does not fetch.</exception>
    /// <exception cref="FileNotFoundException">No files and no download; the message names the URLs and the folder to put them in.</exception>
    /// <exception cref="InvalidDataException">A file fails verification; the message names the file and the tensor, and a bad download or cached file is deleted.</exception>
    public static async Task<string> ResolveAsync(WeightsDescriptor weights, PretrainedWeightsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        CheckSingleStream(weights, nameof(weights));
        options ??= new PretrainedWeightsOptions();
        var cache = Path.GetFullPath(options.CacheDirectory ?? DefaultCacheDirectory);
        var cached = Path.Combine(cache, CachedFileName(weights));
        var (indexFile, dataFiles) = Parts(weights);
        var anchor = indexFile.Sha256!.ToLowerInvariant();

        if (options.WeightsPath is { } given)
        {
            var found = FindGiven(weights, given, dataFiles);
            if (found.SafeTensors is { } file)
            {
                return file;
            }

            if (IsCurrent(cached, weights, anchor))
            {
                return cached;
            }

            var (index, indexName) = await TrustedIndexAsync(weights, indexFile, cache, found.IndexCandidate, options, cancellationToken).ConfigureAwait(false);
            // The user's files are verified but never deleted.
            VerifyAndConvert(weights, index, indexName, anchor, found.DataPaths!, cached, deleteBad: false, cancellationToken);
            return cached;
        }

        if (IsCurrent(cached, weights, anchor))
        {
            return cached;
        }

        var targets = dataFiles.Select(f => Path.Combine(cache, f.FileName)).ToArray();
        if (!options.AllowDownload && !targets.All(File.Exists))
        {
            throw Offline(weights, cache, "downloading is disabled");
        }

        var (trusted, trustedName) = await TrustedIndexAsync(weights, indexFile, cache, null, options, cancellationToken).ConfigureAwait(false);
        var lengths = TensorFlowCheckpoint.OpenTrusted(trusted, trustedName, targets).ShardLengths();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(cache, indexFile.FileName))!);
        WriteIfDifferent(Path.Combine(cache, indexFile.FileName), trusted);

        var paths = new string[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            if (File.Exists(targets[i]))
            {
                paths[i] = targets[i];
                continue;
            }

            paths[i] = await DownloadShardAsync(weights, dataFiles[i], targets[i], lengths[i], cache, options, cancellationToken).ConfigureAwait(false);
        }

        // Verified tensor by tensor while converting; a bad shard is deleted. Only then are downloads renamed into place.
        VerifyAndConvert(weights, trusted, trustedName, anchor, paths, cached, deleteBad: true, cancellationToken);
        for (var i = 0; i < paths.Length; i++)
        {
            if (paths[i] != targets[i])
            {
                File.Move(paths[i], targets[i], overwrite: true);
            }
        }

        return cached;
    }

    /// <summary>Builds an <see cref="InceptionI3D"/> from published weights; see <c>InceptionI3D.FromPretrained</c>.</summary>
    internal static async Task<InceptionI3D> CreateInceptionI3DAsync(WeightsDescriptor weights, PretrainedWeightsOptions? options,
        CancellationToken cancellationToken)
    {
        CheckSingleStream(weights, nameof(weights));
        var path = await ResolveAsync(weights, options, cancellationToken).ConfigureAwait(false);
        return Build(weights, path);
    }

    /// <summary>Builds a <see cref="TwoStreamI3D"/> from published weights; see <c>TwoStreamI3D.FromPretrained</c>.</summary>
    internal static async Task<TwoStreamI3D> CreateTwoStreamAsync(WeightsDescriptor? rgb, WeightsDescriptor? flow,
        PretrainedWeightsOptions? options, CancellationToken cancellationToken)
    {
        if (rgb?.Streams is { } streams)
        {
            if (flow is not null || streams.Count != 2)
            {
                throw new ArgumentException(
                    $"'{rgb.Name}' holds both streams; pass it alone as rgb (flow: null), or pass its streams separately.", nameof(rgb));
            }

            (rgb, flow) = (streams[0], streams[1]);
        }

        if (flow?.Streams is not null)
        {
            throw new ArgumentException($"'{flow.Name}' holds both streams; pass it as rgb with flow left null.", nameof(flow));
        }

        rgb ??= I3DWeights.Kinetics400Rgb;
        flow ??= I3DWeights.Kinetics400Flow;
        CheckSingleStream(rgb, nameof(rgb));
        CheckSingleStream(flow, nameof(flow));
        CheckModality(rgb, InputModality.Rgb, nameof(rgb), "flow");
        CheckModality(flow, InputModality.Flow, nameof(flow), "rgb");
        if (rgb.NumClasses != flow.NumClasses)
        {
            throw new ArgumentException(
                $"The RGB weights '{rgb.Name}' predict {rgb.NumClasses} classes but the flow weights '{flow.Name}' predict {flow.NumClasses}; " +
                "two-stream fusion sums logits of the same classes.", nameof(flow));
        }

        options ??= new PretrainedWeightsOptions();
        if (options.WeightsPath is { } given && File.Exists(given) && Checkpoints.DetectFormat(given) == CheckpointFormat.SafeTensors)
        {
            // This library's safetensors of a whole TwoStreamI3D (keys rgb.* and flow.*).
            var model = new TwoStreamI3D(new InceptionI3D(rgb.NumClasses, rgb.Inputs[0].Channels),
                new InceptionI3D(flow.NumClasses, flow.Inputs[0].Channels));
            try
            {
                StateDictLoader.LoadSafeTensors(model, given, strict: true);
                model.eval();
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        if (options.WeightsPath is { } file && File.Exists(file))
        {
            throw new ArgumentException(
                $"PretrainedWeightsOptions.WeightsPath '{file}' is a file but not a safetensors of a whole TwoStreamI3D. For two streams give a " +
                $"folder that holds both checkpoints ('{Path.GetDirectoryName(rgb.Files[0].FileName)}/', '{Path.GetDirectoryName(flow.Files[0].FileName)}/') " +
                "or their converted files, or load each stream with InceptionI3D.FromPretrained.", nameof(options));
        }

        var rgbPath = await ResolveAsync(rgb, options, cancellationToken).ConfigureAwait(false);
        var flowPath = await ResolveAsync(flow, options, cancellationToken).ConfigureAwait(false);
        var rgbModel = Build(rgb, rgbPath);
        try
        {
            var flowModel = Build(flow, flowPath);
            var twoStream = new TwoStreamI3D(rgbModel, flowModel);
            twoStream.eval();
            return twoStream;
        }
        catch
        {
            rgbModel.Dispose();
            throw;
        }
    }

    static InceptionI3D Build(WeightsDescriptor weights, string path)
    {
        var model = new InceptionI3D(weights.NumClasses, weights.Inputs[0].Channels);
        try
        {
            StateDictLoader.LoadSafeTensors(model, path, strict: true);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    static void CheckSingleStream(WeightsDescriptor weights, string parameter)
    {
        ArgumentNullException.ThrowIfNull(weights, parameter);
        if (weights.Streams is not null || weights.Architecture == "TwoStreamI3D")
        {
            throw new ArgumentException(
                $"'{weights.Name}' holds two streams (RGB and flow): load it with TwoStreamI3D.FromPretrained, or pass one of its " +
                $"Streams ({string.Join(", ", weights.Streams?.Select(s => s.Name) ?? [])}) here.", parameter);
        }

        if (weights.Architecture != "InceptionI3D")
        {
            throw new ArgumentException(
                $"'{weights.Name}' are {weights.Architecture} weights, not I3D weights" +
                (weights.Architecture == "GoogLeNet" ? "; inflate them with InceptionI3D.FromImageNet." : "."), parameter);
        }

        if (weights.Format != CheckpointFormat.TensorFlowCheckpoint)
        {
            throw new ArgumentException(
                $"'{weights.Name}' are published as {weights.Format}; FromPretrained fetches TensorFlow checkpoints. Load other files with Checkpoints.Load.", parameter);
        }

        if (weights.Inputs.Count != 1)
        {
            throw new ArgumentException($"'{weights.Name}' describes {weights.Inputs.Count} inputs; a single stream has one.", parameter);
        }
    }

    static void CheckModality(WeightsDescriptor weights, InputModality expected, string parameter, string other)
    {
        if (weights.Inputs[0].Modality != expected)
        {
            throw new ArgumentException(
                $"'{weights.Name}' are {weights.Inputs[0].Modality} weights, given as the {expected} stream; pass them as {other}.", parameter);
        }
    }

    static (WeightsFile Index, WeightsFile[] Data) Parts(WeightsDescriptor weights)
    {
        var index = weights.Files.Where(f => f.FileName.EndsWith(".index", StringComparison.Ordinal)).ToList();
        var data = weights.Files.Where(f => f.FileName.Contains(".data-", StringComparison.Ordinal))
            .OrderBy(f => f.FileName, StringComparer.Ordinal).ToArray();
        if (index.Count != 1 || data.Length == 0)
        {
            throw new ArgumentException(
                $"'{weights.Name}' should list one TensorFlow .index file and its .data-NNNNN-of-MMMMM shard(s); it lists {string.Join(", ", weights.Files.Select(f => f.FileName))}.",
                nameof(weights));
        }

        if (index[0].Sha256 is not { Length: 64 })
        {
            throw new ArgumentException(
                $"'{weights.Name}': the index file '{index[0].FileName}' has no SHA-256, so there is nothing to verify the data against. " +
                "Give its 64-hex-digit SHA-256 in WeightsFile.Sha256.", nameof(weights));
        }

        return (index[0], data);
    }

    /// <summary>What <see cref="PretrainedWeightsOptions.WeightsPath"/> points at.</summary>
    sealed record Given(string? SafeTensors, string[]? DataPaths, string? IndexCandidate);

    static Given FindGiven(WeightsDescriptor weights, string given, WeightsFile[] dataFiles)
    {
        var full = Path.GetFullPath(given);
        string? prefix = null;
        var looked = new List<string>();
        if (Directory.Exists(full))
        {
            var own = Path.Combine(full, CachedFileName(weights));
            if (File.Exists(own))
            {
                return new Given(own, null, null);
            }

            looked.Add(own);
            // The checkpoint folder itself, or a folder of checkpoint folders (kinetics-i3d's data/checkpoints, or a cache).
            foreach (var candidate in new[] { Path.Combine(full, dataFiles[0].FileName), Path.Combine(full, Path.GetFileName(dataFiles[0].FileName)) })
            {
                looked.Add(candidate);
                if (File.Exists(candidate))
                {
                    prefix = ShardPrefix(candidate);
                    break;
                }
            }
        }
        else if (File.Exists(full))
        {
            if (Checkpoints.DetectFormat(full) == CheckpointFormat.SafeTensors)
            {
                return new Given(full, null, null);
            }

            prefix = full.EndsWith(".index", StringComparison.Ordinal) ? full[..^".index".Length] : ShardPrefix(full);
            if (prefix is null)
            {
                throw new InvalidDataException(
                    $"PretrainedWeightsOptions.WeightsPath '{full}' is neither this library's safetensors nor a TensorFlow checkpoint's .index or .data file.");
            }
        }
        else
        {
            prefix = full; // a checkpoint prefix such as .../model.ckpt
        }

        var paths = prefix is null ? null : dataFiles.Select(f => prefix + Path.GetFileName(f.FileName)[Path.GetFileName(f.FileName).IndexOf(".data-", StringComparison.Ordinal)..]).ToArray();
        if (paths is null || !paths.All(File.Exists))
        {
            looked.AddRange(paths ?? []);
            throw new FileNotFoundException(
                $"PretrainedWeightsOptions.WeightsPath '{full}' holds neither this library's safetensors of '{weights.Name}' nor its TensorFlow checkpoint " +
                $"(looked for {string.Join(", ", looked.Distinct().Select(p => $"'{p}'"))}). The checkpoint is published at {string.Join(" and ", dataFiles.Select(f => f.Url))}.",
                full);
        }

        return new Given(null, paths, prefix + ".index");
    }

    static string? ShardPrefix(string dataPath)
    {
        var at = dataPath.LastIndexOf(".data-", StringComparison.Ordinal);
        return at > 0 ? dataPath[..at] : null;
    }

    static bool IsCurrent(string cached, WeightsDescriptor weights, string anchor)
    {
        if (!File.Exists(cached))
        {
            return false;
        }

        try
        {
            var metadata = SafeTensorsFile.ReadHeader(cached).Metadata;
            return metadata.TryGetValue(WeightsMetadataKey, out var name) && name == weights.Name
                && metadata.TryGetValue(SourceIndexMetadataKey, out var digest) && digest == anchor;
        }
        catch (InvalidDataException)
        {
            return false; // a damaged conversion is made again
        }
    }

    /// <summary>The index bytes to verify against: shipped, or a cached/given/downloaded copy with the descriptor's SHA-256.</summary>
    static async Task<(byte[] Bytes, string Name)> TrustedIndexAsync(WeightsDescriptor weights, WeightsFile indexFile, string cache,
        string? givenIndex, PretrainedWeightsOptions options, CancellationToken cancellationToken)
    {
        var sha = indexFile.Sha256!.ToLowerInvariant();
        if (PretrainedIndexes.TryGet(sha, out var shipped))
        {
            return (shipped, $"{indexFile.FileName} (shipped with I3D.Net)");
        }

        var cachedIndex = Path.Combine(cache, indexFile.FileName);
        foreach (var candidate in new[] { givenIndex, cachedIndex })
        {
            if (candidate is not null && File.Exists(candidate) && new FileInfo(candidate).Length <= TensorFlowCheckpoint.MaxIndexBytes)
            {
                var bytes = await File.ReadAllBytesAsync(candidate, cancellationToken).ConfigureAwait(false);
                if (Convert.ToHexStringLower(SHA256.HashData(bytes)) == sha)
                {
                    return (bytes, candidate);
                }
            }
        }

        if (!options.AllowDownload)
        {
            throw Offline(weights, cache, "downloading is disabled");
        }

        byte[] downloaded;
        try
        {
            using var response = await (options.HttpClient ?? WeightsFileResolver.SharedClient.Value)
                .GetAsync(indexFile.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Offline(weights, cache, $"{indexFile.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                copy.Write(buffer, 0, read);
                if (copy.Length > TensorFlowCheckpoint.MaxIndexBytes)
                {
                    throw new InvalidDataException($"The index {indexFile.Url} is larger than {TensorFlowCheckpoint.MaxIndexBytes} bytes; it is not a checkpoint index.");
                }
            }

            downloaded = copy.ToArray();
        }
        catch (HttpRequestException e)
        {
            throw Offline(weights, cache, e.Message, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Offline(weights, cache, "the download timed out", e);
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(downloaded));
        if (digest != sha)
        {
            throw new InvalidDataException(
                $"The index {indexFile.Url} of '{weights.Name}' has SHA-256 {digest}, but {sha} is expected; nothing was written to '{cache}'.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(cachedIndex)!);
        AtomicFile.Write(cachedIndex, s => s.Write(downloaded));
        return (downloaded, cachedIndex);
    }

    static async Task<string> DownloadShardAsync(WeightsDescriptor weights, WeightsFile file, string target, long length, string cache,
        PretrainedWeightsOptions options, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        var partial = Path.Combine(folder, "." + Path.GetFileName(target) + ".partial");
        try
        {
            await PretrainedDownload.DownloadAsync(file.Url, partial, length, options.HttpClient ?? WeightsFileResolver.SharedClient.Value,
                options.Progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Offline(weights, cache, $"{file.Url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Offline(weights, cache, $"the download of {file.Url} timed out; run again to resume it", e);
        }

        var received = new FileInfo(partial).Length;
        if (received < length)
        {
            throw new IOException(
                $"The download of {file.Url} stopped after {received} of {length} bytes; '{partial}' keeps what arrived, and the next call resumes it.");
        }

        if (file.Sha256 is { } sha)
        {
            string digest;
            await using (var stream = File.OpenRead(partial))
            {
                digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            if (!string.Equals(digest, sha, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new InvalidDataException(
                    $"The download of {file.Url} has SHA-256 {digest}, but {sha} is expected; it was deleted. Run again to download it again.");
            }
        }

        return partial;
    }

    /// <summary>Reads every tensor of the checkpoint, verifying each against the trusted index, and writes the converted model.</summary>
    static void VerifyAndConvert(WeightsDescriptor weights, byte[] index, string indexName, string anchor, string[] dataPaths, string cached,
        bool deleteBad, CancellationToken cancellationToken)
    {
        var checkpoint = TensorFlowCheckpoint.OpenTrusted(index, indexName, dataPaths);
        var map = KineticsI3DCheckpoint.Map(checkpoint);
        var expectedStream = weights.Inputs[0].Modality == InputModality.Flow ? "Flow" : "RGB";
        if ((map.Stream is { } stream && stream != expectedStream) || map.NumClasses != weights.NumClasses || map.InChannels != weights.Inputs[0].Channels)
        {
            throw new InvalidDataException(
                $"The index '{indexName}' describes a {map.Stream ?? "(unscoped)"} stream with {map.InChannels} input channels and {map.NumClasses} classes, " +
                $"but '{weights.Name}' is a {expectedStream} stream with {weights.Inputs[0].Channels} channels and {weights.NumClasses} classes.");
        }

        var lengths = checkpoint.ShardLengths();
        var raw = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (var shard = 0; shard < dataPaths.Length; shard++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = dataPaths[shard];
                try
                {
                    var actual = new FileInfo(path).Length;
                    if (actual < lengths[shard])
                    {
                        throw new InvalidDataException(
                            $"TensorFlow data file '{path}' is truncated: it has {actual} bytes, but the index '{indexName}' places tensors up to byte {lengths[shard]}.");
                    }

                    // Every tensor, optimizer slots included, so the whole file is checked, not only what the model uses.
                    var names = checkpoint.Tensors.Where(t => t.ShardId == shard).Select(t => t.Name).ToList();
                    foreach (var (name, tensor) in checkpoint.ReadAll(names))
                    {
                        raw[name] = tensor;
                    }
                }
                catch (InvalidDataException e)
                {
                    if (deleteBad)
                    {
                        File.Delete(path);
                    }

                    throw new InvalidDataException(
                        $"'{weights.Name}' failed verification against '{indexName}': {e.Message} " +
                        (deleteBad ? $"The file was deleted; the next call downloads it again." : "Replace the file with the published one."), e);
                }
            }

            var state = KineticsI3DCheckpoint.ToStateDict(map, raw);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
                SafeTensorsFile.Save(cached, state, Metadata(weights, anchor));
            }
            finally
            {
                foreach (var t in state.Values)
                {
                    t.Dispose();
                }
            }
        }
        finally
        {
            foreach (var t in raw.Values)
            {
                t.Dispose();
            }
        }
    }

    static Dictionary<string, string> Metadata(WeightsDescriptor weights, string anchor)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WeightsMetadataKey] = weights.Name,
            ["architecture"] = weights.Architecture,
            ["num_classes"] = weights.NumClasses.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["in_channels"] = weights.Inputs[0].Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [InputsMetadataKey] = JsonSerializer.Serialize(weights.Inputs, Json),
            [SourceIndexMetadataKey] = anchor,
            ["source"] = string.Join(" ", weights.Files.Select(f => f.Url)),
            ["license"] = weights.License,
        };
        if (weights.Classes is { } classes)
        {
            metadata[ClassesMetadataKey] = new ClassMap(classes).ToJson();
        }

        return metadata;
    }

    static void WriteIfDifferent(string path, byte[] bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            return;
        }

        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The "no files and no download" error: names the URLs and the folder to put the files in.</summary>
    static FileNotFoundException Offline(WeightsDescriptor weights, string cache, string reason, Exception? inner = null)
    {
        var (index, data) = Parts(weights);
        var folder = Path.GetDirectoryName(Path.Combine(cache, data[0].FileName))!;
        var shipped = PretrainedIndexes.TryGet(index.Sha256!, out _);
        var urls = (shipped ? data : data.Prepend(index)).Select(f => f.Url.ToString());
        return new FileNotFoundException(
            $"The pretrained weights '{weights.Name}' are not in '{cache}' and could not be downloaded ({reason}). " +
            $"On a machine with internet access download {string.Join(" and ", urls)} and put {(data.Length + (shipped ? 0 : 1) == 1 ? "it" : "them")} in '{folder}'" +
            (shipped ? " (the checkpoint's .index ships with I3D.Net)" : string.Empty) +
            ", or set I3D_NET_HOME to the folder above it, or pass the folder as PretrainedWeightsOptions.WeightsPath.",
            Path.Combine(cache, data[0].FileName), inner);
    }
}
