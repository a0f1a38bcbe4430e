using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;

namespace I3D.Net.Training;

/// <summary>
/// A folder of checkpoints, one sub-folder each (<c>checkpoint-000000123</c> for step 123) holding the weights
/// (<c>model.safetensors</c>), the optimizer state (<c>optimizer.bin</c>, TorchSharp's optimizer stream format:
/// momentum buffers, Adam moments and step counts), <c>trainer_state.json</c> and, written last, <c>manifest.json</c> with the SHA-256 of every file.
/// A checkpoint is assembled in a temporary folder and renamed into place; older ones are deleted only after the new
/// one verifies. Rewriting a step moves the old folder aside to <c>.old-checkpoint-N-…</c> first; if the process dies
/// before the new one is in place, the next save, prune or resume renames the old one back. Loading skips a corrupt
/// checkpoint (logged) and falls back to the previous one.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>File name of the optimizer state.</summary>
    public const string OptimizerFileName = "optimizer.bin";

    /// <summary>File name of the trainer state.</summary>
    public const string StateFileName = "trainer_state.json";

    /// <summary>File name of the manifest.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>File name of the weights.</summary>
    public static string WeightsFileName => CheckpointWeights.FileName;

    private const string Prefix = "checkpoint-";
    private const string TempPrefix = ".tmp-", OldPrefix = ".old-";

    // A manifest lists a handful of files; anything larger is not one (and is not read).
    private const long MaxManifestBytes = 1 << 20;
    private readonly ICheckpointFileSystem _fs;
    private readonly ILogger _logger;

    /// <summary>Creates a store over <paramref name="directory"/>.</summary>
    public CheckpointStore(string directory, ICheckpointFileSystem? fileSystem = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _fs = fileSystem ?? PhysicalCheckpointFileSystem.Instance;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The folder that holds the checkpoints.</summary>
    public string Directory { get; }

    /// <summary>Paths of the complete (renamed into place) checkpoints, oldest step first. Says nothing about their integrity.</summary>
    public IReadOnlyList<string> List()
    {
        if (!_fs.DirectoryExists(Directory)) return [];
        return _fs.EnumerateDirectories(Directory)
            .Select(p => (Path: p, Step: StepOf(Path.GetFileName(p))))
            .Where(x => x.Step >= 0)
            .OrderBy(x => x.Step)
            .Select(x => x.Path)
            .ToList();
    }

    /// <summary>The folder name for a checkpoint at <paramref name="step"/>.</summary>
    public static string NameFor(long step) => Prefix + step.ToString("D9", CultureInfo.InvariantCulture);

    /// <summary>The files a checkpoint must have, all listed in its manifest: everything a resume reads.</summary>
    public static IReadOnlyList<string> RequiredFiles { get; } = [WeightsFileName, OptimizerFileName, StateFileName];

    /// <summary>
    /// Checks that <paramref name="checkpoint"/> has a readable manifest that lists every one of
    /// <see cref="RequiredFiles"/>, and that every file it lists is a regular file (not a device, FIFO or socket, also
    /// through a link) with the recorded size and SHA-256. Sizes are compared before anything is hashed, and hashing
    /// reads no more than the recorded size. Throws <see cref="InvalidDataException"/> naming the first problem.
    /// </summary>
    public void Verify(string checkpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpoint);
        var manifest = ReadManifest(checkpoint);
        foreach (var name in RequiredFiles)
            if (!manifest.Files.Any(f => f.Name == name))
                throw new InvalidDataException($"Checkpoint '{checkpoint}': the manifest does not list '{name}', which a resume needs.");
        var files = manifest.Files.Select(f => (File: f, Path: Path.Combine(checkpoint, f.Name), Length: 0L)).ToList();
        // Every size first: a wrong one costs a stat, not a hash of a large (or endless) file.
        for (var i = 0; i < files.Count; i++)
        {
            var (file, path, _) = files[i];
            var length = LengthOf(checkpoint, file.Name, path);
            if (length != file.Bytes)
                throw new InvalidDataException($"Checkpoint '{checkpoint}': '{file.Name}' expected {file.Bytes} bytes, found {length}.");
            files[i] = (file, path, length);
        }
        foreach (var (file, path, _) in files)
        {
            var (hash, length) = Hash(path, file.Bytes);
            if (length != file.Bytes || hash != file.Sha256)
                throw new InvalidDataException(
                    $"Checkpoint '{checkpoint}': '{file.Name}' expected {file.Bytes} bytes with SHA-256 {file.Sha256}, found {(length > file.Bytes ? "more than " + file.Bytes : length)} bytes with {hash}.");
        }
    }

    /// <summary>The length of a checkpoint file, refusing anything but an existing regular file.</summary>
    private long LengthOf(string checkpoint, string name, string path)
    {
        try
        {
            return _fs.GetFileLength(path);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"Checkpoint '{checkpoint}': '{name}' is listed in the manifest but missing.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new InvalidDataException($"Checkpoint '{checkpoint}': '{name}' is listed in the manifest but missing.");
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"Checkpoint '{checkpoint}': '{name}' is not a regular file: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the trainer state of a checkpoint (without verifying hashes).</summary>
    public TrainerState ReadState(string checkpoint)
    {
        var path = Path.Combine(checkpoint, StateFileName);
        try
        {
            using var stream = _fs.OpenRead(path);
            return JsonSerializer.Deserialize<TrainerState>(stream, TrainingJson.Options)
                   ?? throw new InvalidDataException($"Trainer state '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Trainer state '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (FileNotFoundException ex)
        {
            throw new InvalidDataException($"Checkpoint '{checkpoint}' has no {StateFileName}.", ex);
        }
    }

    /// <summary>Verifies a checkpoint and copies its weights into <paramref name="module"/> (same architecture; every key, shape and dtype must match).</summary>
    public void LoadWeights(string checkpoint, torch.nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        Verify(checkpoint);
        CheckpointWeights.Read(module, Path.Combine(checkpoint, WeightsFileName), _fs);
    }

    /// <summary>Writes a checkpoint of the given state and returns its path. Does not prune.</summary>
    internal string Save(IReadOnlyDictionary<string, torch.Tensor> weights, OptimizerHelper optimizer, TrainerState state)
    {
        _fs.CreateDirectory(Directory);
        var name = NameFor(state.Step);
        var final = Path.Combine(Directory, name);
        var temp = Path.Combine(Directory, $"{TempPrefix}{name}-{Guid.NewGuid():N}");
        _fs.CreateDirectory(temp);
        try
        {
            var files = new List<ManifestFile>
            {
                WriteWeights(temp, weights),
            };
            files.Add(WriteFile(temp, OptimizerFileName, s =>
            {
                using var writer = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                optimizer.save_state_dict(writer);
            }));
            files.Add(WriteFile(temp, StateFileName, s => JsonSerializer.Serialize(s, state, TrainingJson.Options)));
            // The manifest goes last: a folder without it (or with a mismatching one) is not a checkpoint.
            WriteFile(temp, ManifestFileName, s => JsonSerializer.Serialize(s, new Manifest(1, files), TrainingJson.Options));
            Verify(temp);

            RecoverSwaps();
            if (_fs.DirectoryExists(final))
            {
                // Same step written again (an epoch end after a step checkpoint, a resume): a folder cannot be renamed
                // over another, so the old one steps aside first. Between the two renames only the .old- folder holds
                // this step; RecoverSwaps (on the next save, prune or resume) renames it back, so no crash loses it.
                var old = Path.Combine(Directory, OldPrefix + name + "-" + Guid.NewGuid().ToString("N"));
                _fs.MoveDirectory(final, old);
                try
                {
                    _fs.MoveDirectory(temp, final);
                }
                catch
                {
                    TryMove(old, final);
                    throw;
                }
                TryDelete(old);
            }
            else
            {
                _fs.MoveDirectory(temp, final);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        Verify(final);
        return final;
    }

    /// <summary>
    /// Deletes all but the <paramref name="keepLast"/> newest checkpoints and <paramref name="alsoKeep"/> (a folder
    /// name), plus leftovers of interrupted writes. Call only after the newest checkpoint verified.
    /// </summary>
    internal void Prune(int keepLast, string? alsoKeep)
    {
        RecoverSwaps();
        var all = List();
        var keep = all.Skip(Math.Max(0, all.Count - keepLast)).Select(Path.GetFileName).ToHashSet();
        if (alsoKeep is not null) keep.Add(alsoKeep);
        foreach (var path in all.Where(p => !keep.Contains(Path.GetFileName(p))))
            TryDelete(path);
        foreach (var path in _fs.EnumerateDirectories(Directory))
        {
            var folder = Path.GetFileName(path);
            // An .old- folder goes only once its step is back in place (RecoverSwaps could not move it otherwise).
            if (folder.StartsWith(TempPrefix, StringComparison.Ordinal)
                || (OldStepName(folder) is { } step && _fs.DirectoryExists(Path.Combine(Directory, step))))
                TryDelete(path);
        }
    }

    /// <summary>
    /// Finishes rewrites of a step that were interrupted between their two renames: an <c>.old-checkpoint-N-…</c>
    /// folder whose <c>checkpoint-N</c> is missing is the last complete copy of that step, and is renamed back.
    /// </summary>
    internal void RecoverSwaps()
    {
        if (!_fs.DirectoryExists(Directory)) return;
        var orphans = _fs.EnumerateDirectories(Directory)
            .Select(p => (Path: p, Step: OldStepName(Path.GetFileName(p))))
            .Where(x => x.Step is not null)
            .GroupBy(x => x.Step!, StringComparer.Ordinal);
        foreach (var group in orphans)
        {
            var final = Path.Combine(Directory, group.Key);
            if (_fs.DirectoryExists(final)) continue;
            foreach (var (path, _) in group)
            {
                try
                {
                    Verify(path);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    LogCorrupt(_logger, path, ex.Message);
                    continue;
                }
                _fs.MoveDirectory(path, final);
                LogRecovered(_logger, path, final);
                break;
            }
        }
    }

    /// <summary>
    /// Finds the newest checkpoint that verifies and reads its state; corrupt ones are skipped with a warning.
    /// Returns null when there is none.
    /// </summary>
    internal (string Path, TrainerState State)? FindLatestValid()
    {
        RecoverSwaps();
        foreach (var path in List().Reverse())
        {
            try
            {
                Verify(path);
                return (path, ReadState(path));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                LogCorrupt(_logger, path, ex.Message);
            }
        }
        return null;
    }

    /// <summary>
    /// Loads weights and optimizer state of a verified checkpoint. Any failure to read either is an
    /// <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    internal void Load(string checkpoint, torch.nn.Module module, OptimizerHelper? optimizer)
    {
        var weights = Path.Combine(checkpoint, WeightsFileName);
        try
        {
            CheckpointWeights.Read(module, weights, _fs);
        }
        catch (Exception ex) when (IsReadError(ex))
        {
            throw new InvalidDataException($"Weights '{weights}' cannot be read: {ex.GetType().Name}: {ex.Message}", ex);
        }
        if (optimizer is null) return;
        var path = Path.Combine(checkpoint, OptimizerFileName);
        if (!_fs.FileExists(path))
            throw new InvalidDataException($"Checkpoint '{checkpoint}' has no {OptimizerFileName}; cannot resume the optimizer.");
        try
        {
            using var optStream = _fs.OpenRead(path);
            using var reader = new BinaryReader(optStream, Encoding.UTF8, leaveOpen: true);
            optimizer.load_state_dict(reader);
            if (optStream.CanSeek && optStream.Position != optStream.Length)
                throw new InvalidDataException($"Optimizer state '{path}' has {optStream.Length - optStream.Position} bytes after the state of this optimizer.");
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"Optimizer state '{path}' does not fit this optimizer and model: {ex.Message}", ex);
        }
        catch (Exception ex) when (IsReadError(ex))
        {
            throw new InvalidDataException($"Optimizer state '{path}' cannot be read: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    /// <summary>What a truncated or garbled file makes a reader throw; InvalidDataException passes through unchanged.</summary>
    private static bool IsReadError(Exception ex) =>
        ex is not InvalidDataException and (IOException or FormatException or OverflowException or IndexOutOfRangeException
            or ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException or NotSupportedException);

    private ManifestFile WriteWeights(string folder, IReadOnlyDictionary<string, torch.Tensor> weights)
    {
        var path = Path.Combine(folder, WeightsFileName);
        CheckpointWeights.Write(weights, path, _fs);
        var (hash, length) = Hash(path);
        return new ManifestFile(WeightsFileName, length, hash);
    }

    private ManifestFile WriteFile(string folder, string name, Action<Stream> write)
    {
        var path = Path.Combine(folder, name);
        using (var stream = _fs.Create(path))
            write(stream);
        var (hash, length) = Hash(path);
        return new ManifestFile(name, length, hash);
    }

    /// <summary>SHA-256 and length of a file, reading at most <paramref name="limit"/> + 1 bytes (a length over the limit is a mismatch anyway).</summary>
    private (string Hash, long Length) Hash(string path, long limit = long.MaxValue - 1)
    {
        using var stream = _fs.OpenRead(path);
        using var sha = SHA256.Create();
        var buffer = new byte[1 << 16];
        long length = 0;
        int read;
        while (length <= limit && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limit + 1 - length))) > 0)
        {
            sha.TransformBlock(buffer, 0, read, null, 0);
            length += read;
        }
        sha.TransformFinalBlock([], 0, 0);
        return (Convert.ToHexStringLower(sha.Hash!), length);
    }

    private Manifest ReadManifest(string checkpoint)
    {
        var path = Path.Combine(checkpoint, ManifestFileName);
        if (!_fs.FileExists(path))
            throw new InvalidDataException($"Checkpoint '{checkpoint}' has no {ManifestFileName} (incomplete write?).");
        var length = LengthOf(checkpoint, ManifestFileName, path);
        if (length > MaxManifestBytes)
            throw new InvalidDataException($"Manifest '{path}' has {length} bytes, more than a manifest's {MaxManifestBytes}.");
        try
        {
            using var stream = _fs.OpenRead(path);
            var manifest = JsonSerializer.Deserialize<Manifest>(stream, TrainingJson.Options);
            if (manifest?.Files is null || manifest.Files.Count == 0)
                throw new InvalidDataException($"Manifest '{path}' lists no files.");
            if (manifest.Files.Any(f => f is null || string.IsNullOrEmpty(f.Name) || f.Sha256 is null || f.Bytes < 0
                                        || f.Name.Contains('/') || f.Name.Contains('\\') || f.Name is "." or ".."))
                throw new InvalidDataException($"Manifest '{path}' has an entry without a plain file name, a size or a hash.");
            if (manifest.Files.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != manifest.Files.Count)
                throw new InvalidDataException($"Manifest '{path}' lists a file twice.");
            return manifest;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Manifest '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            if (_fs.DirectoryExists(path)) _fs.DeleteDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, path, ex.Message);
        }
    }

    private void TryMove(string source, string destination)
    {
        try
        {
            if (_fs.DirectoryExists(source) && !_fs.DirectoryExists(destination)) _fs.MoveDirectory(source, destination);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // RecoverSwaps moves it back on the next save, prune or resume.
            LogMoveBackFailed(_logger, source, destination, ex.Message);
        }
    }

    /// <summary>For <c>.old-checkpoint-N-guid</c>, the folder name <c>checkpoint-N</c>; otherwise null.</summary>
    private static string? OldStepName(string folder)
    {
        var m = OldPattern().Match(folder);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static long StepOf(string name)
    {
        var m = StepPattern().Match(name);
        return m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : -1;
    }

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"^\.old-(checkpoint-\d+)-[0-9a-f]{32}$")]
    private static partial Regex OldPattern();

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Checkpoint {Path} is corrupt and is skipped, falling back to the previous one: {Reason}")]
    private static partial void LogCorrupt(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Checkpoint rewrite was interrupted; restored {Path} as {Checkpoint}")]
    private static partial void LogRecovered(ILogger logger, string path, string checkpoint);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Could not move {Path} back to {Checkpoint} (done on the next save, prune or resume): {Reason}")]
    private static partial void LogMoveBackFailed(ILogger logger, string path, string checkpoint, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Could not delete old checkpoint folder {Path}: {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, string reason);

    private sealed record Manifest(int FormatVersion, List<ManifestFile> Files);

    private sealed record ManifestFile(string Name, long Bytes, string Sha256);
}
