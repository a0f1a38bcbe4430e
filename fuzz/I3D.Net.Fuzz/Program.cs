using System.Diagnostics;
using I3D.Net.Tests.Hostile;
using I3D.Net.Tests.Weights;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;
using SharpFuzz;
using static TorchSharp.torch;

namespace I3D.Net.Fuzz;

/// <summary>
/// Fuzz targets for the weight-file parsers (see fuzz/README.md). Each target feeds one input to a reader: the
/// documented refusals (<see cref="InvalidDataException"/>, and <see cref="FileNotFoundException"/> for a TF shard) are
/// fine; any other exception, more than <see cref="TimeBudget"/> or more than <see cref="MemoryBudget"/> of peak memory
/// is a crash for AFL++ to keep.
/// </summary>
public static class Program
{
    const long MemoryBudget = 256L << 20;
    static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(5);
    static readonly bool Verbose = Environment.GetEnvironmentVariable("FUZZ_VERBOSE") == "1";
    static readonly string Scratch = Path.Combine(Path.GetTempPath(), $"i3dnet-fuzz-{Environment.ProcessId}");

    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "seeds")
        {
            Seeds.Write(args[1]);
            return 0;
        }

        if (args.Length < 1 || !Targets.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: I3D.Net.Fuzz <{string.Join("|", Targets.Keys)}> [input-file]  |  I3D.Net.Fuzz seeds <dir>");
            return 2;
        }

        Directory.CreateDirectory(Scratch);
        // Load libtorch before the first input, so its few hundred MB and seconds are not charged to that input.
        using (var warm = zeros(1)) { }
        if (args.Length == 2)
        {
            // Replay one input (a crash AFL++ found, or with `random` mutation) outside the fuzzer.
            Run(target, File.ReadAllBytes(args[1]));
            Console.WriteLine("ok");
            return 0;
        }

        if (Environment.GetEnvironmentVariable("__AFL_SHM_ID") is null)
        {
            Console.Error.WriteLine("not under afl-fuzz: pass an input file to replay it, or use fuzz/run.sh");
            return 2;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            Run(target, ms.ToArray());
        });
        return 0;
    }

    static readonly Dictionary<string, Action<byte[]>> Targets = new()
    {
        ["safetensors"] = SafeTensors,
        ["pytorch"] = PyTorch,
        ["tf-index"] = TensorFlowIndex,
        ["pickle"] = Pickle,
        ["tf-block"] = TensorFlowBlock,
    };

    /// <summary>Runs one input and turns a budget overrun into a crash.</summary>
    public static void Run(Action<byte[]> target, byte[] input)
    {
        var before = ResetPeak();
        var clock = Stopwatch.StartNew();
        try
        {
            using var scope = NewDisposeScope();
            target(input);
        }
        catch (InvalidDataException e)
        {
            if (Verbose) Console.WriteLine("refused: " + e.Message);
        }
        catch (FileNotFoundException e) when (e.FileName?.Contains(".data-", StringComparison.Ordinal) == true)
        {
            if (Verbose) Console.WriteLine("refused: " + e.Message);
        }

        var grown = PeakResident() - before;
        if (grown > MemoryBudget) throw new InsufficientExecutionStackException($"input of {input.Length} bytes cost {grown >> 20} MiB");
        if (clock.Elapsed > TimeBudget) throw new TimeoutException($"input of {input.Length} bytes took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    static void SafeTensors(byte[] input)
    {
        var path = Path.Combine(Scratch, "input.safetensors");
        File.WriteAllBytes(path, input);
        foreach (var t in SafeTensorsFile.Load(path).Values) t.Dispose();
    }

    static void PyTorch(byte[] input)
    {
        foreach (var t in PyTorchStateDict.Load(new MemoryStream(input), "input.pt").Values) t.Dispose();
    }

    static void TensorFlowIndex(byte[] input)
    {
        // The input is the index; the shard is a fixed 64 KiB of a pattern, so reads hit their CRC and bounds checks.
        var prefix = Path.Combine(Scratch, "model.ckpt");
        File.WriteAllBytes(prefix + ".index", input);
        var checkpoint = TensorFlowCheckpoint.Open(prefix);
        for (var s = 0; s < Math.Min(checkpoint.ShardCount, 4); s++)
        {
            var data = checkpoint.DataPath(s);
            if (!File.Exists(data)) File.WriteAllBytes(data, Enumerable.Range(0, 1 << 16).Select(i => (byte)i).ToArray());
        }
        foreach (var t in checkpoint.ReadAll().Values) t.Dispose();
    }

    // Checksums stop almost every mutation at the door (zip CRC-32, table CRC-32C). These two targets wrap the
    // input in a container with correct checksums, so mutations reach the pickle reader and the table parser.
    static readonly byte[] Storage0 = WeightsHostileFiles.Floats(Enumerable.Range(0, 64).Select(i => (float)i).ToArray());
    static readonly byte[] Storage1 = WeightsHostileFiles.Floats(Enumerable.Range(0, 16).Select(i => (float)-i).ToArray());

    static void Pickle(byte[] input) => PyTorch(WeightsHostileFiles.ZipPt(input, ("0", Storage0), ("1", Storage1)));

    static void TensorFlowBlock(byte[] input) => TensorFlowIndex(TableWrapper.Wrap(input));

    static long ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return PeakResident();
    }

    static long PeakResident()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    /// <summary>Small valid files of every format, the starting corpus (AFL++ works best from inputs under 1 KB).</summary>
    static class Seeds
    {
        public static void Write(string root)
        {
            using var scope = NewDisposeScope();
            var safetensors = Directory.CreateDirectory(Path.Combine(root, "safetensors")).FullName;
            SafeTensorsFile.Save(Path.Combine(safetensors, "f32.safetensors"),
                new Dictionary<string, Tensor> { ["w"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3), ["b"] = ones(3) },
                new Dictionary<string, string> { ["format"] = "pt" });
            SafeTensorsFile.Save(Path.Combine(safetensors, "mixed.safetensors"), new Dictionary<string, Tensor>
            {
                ["h"] = ones(2, dtype: ScalarType.Float16), ["i"] = arange(3, dtype: ScalarType.Int64),
                ["m"] = tensor(new[] { true, false }), ["e"] = zeros(0, 4),
            });

            var pytorch = Directory.CreateDirectory(Path.Combine(root, "pytorch")).FullName;
            var two = new PickleBuilder().Proto().BeginDict()
                .Str("conv.weight").Tensor("FloatStorage", "0", 6, 0, [2, 3], [3, 1])
                .Str("conv.bias").Tensor("FloatStorage", "0", 6, 2, [2], [3])
                .EndDict().ToArray();
            File.WriteAllBytes(Path.Combine(pytorch, "zip.pt"),
                WeightsHostileFiles.ZipPt(two, ("0", WeightsHostileFiles.Floats(1, 2, 3, 4, 5, 6))));
            var legacyBody = new PickleBuilder().Proto().BeginDict()
                .Str("w").Tensor("FloatStorage", "0", 4, 0, [2, 2], [1, 2], legacyView: true).EndDict().ToArray();
            File.WriteAllBytes(Path.Combine(pytorch, "legacy.pt"),
                WeightsHostileFiles.LegacyPt(legacyBody, ("0", 4, WeightsHostileFiles.Floats(1, 2, 3, 4))));

            var pickle = Directory.CreateDirectory(Path.Combine(root, "pickle")).FullName;
            File.WriteAllBytes(Path.Combine(pickle, "two.pkl"), new PickleBuilder().Proto().BeginDict()
                .Str("conv.weight").Tensor("FloatStorage", "0", 64, 0, [2, 3], [3, 1])
                .Str("conv.bias").Tensor("FloatStorage", "0", 64, 2, [2], [3])
                .EndDict().ToArray());
            File.WriteAllBytes(Path.Combine(pickle, "view.pkl"), new PickleBuilder().Proto().BeginDict()
                .Str("a").Tensor("FloatStorage", "0", 64, 4, [4, 3], [1, 4])
                .Str("b").Tensor("FloatStorage", "1", 16, 0, [2, 2, 2], [8, 2, 1])
                .EndDict().ToArray());

            var block = Directory.CreateDirectory(Path.Combine(root, "tf-block")).FullName;
            File.WriteAllBytes(Path.Combine(block, "two-entries.block"), TableWrapper.SeedBlock());
        }
    }
}

/// <summary>Wraps one data block of a TensorFlow index in a valid table (block trailers with CRC-32C, index, footer).</summary>
static class TableWrapper
{
    const ulong Magic = 0xdb4775248b80fb57UL;

    public static byte[] Wrap(byte[] dataBlock)
    {
        var file = new MemoryStream();
        var data = Block(file, dataBlock);
        var meta = Block(file, [0, 0, 0, 0, 1, 0, 0, 0]);
        var handle = new MemoryStream();
        Varint(handle, (ulong)data.Offset);
        Varint(handle, (ulong)data.Size);
        var index = new MemoryStream();
        index.Write([0, 1, (byte)handle.Length, 0xFF]);
        index.Write(handle.ToArray());
        index.Write([0, 0, 0, 0, 1, 0, 0, 0]);
        var idx = Block(file, index.ToArray());
        var footer = new MemoryStream();
        Varint(footer, (ulong)meta.Offset);
        Varint(footer, (ulong)meta.Size);
        Varint(footer, (ulong)idx.Offset);
        Varint(footer, (ulong)idx.Size);
        var bytes = new byte[48];
        footer.ToArray().CopyTo(bytes, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40), Magic);
        file.Write(bytes);
        return file.ToArray();
    }

    /// <summary>A block with the bundle header and one float variable "w" of shape [2].</summary>
    public static byte[] SeedBlock()
    {
        var block = new MemoryStream();
        byte[] header = [0x08, 0x01, 0x1A, 0x02, 0x08, 0x01];
        byte[] entry = [0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x18, 0x00, 0x20, 0x00, 0x28, 0x08, 0x35, 0x01, 0x02, 0x03, 0x04];
        block.Write([0, 0, (byte)header.Length]);
        block.Write(header);
        block.Write([0, 1, (byte)entry.Length, (byte)'w']);
        block.Write(entry);
        block.Write([0, 0, 0, 0, 1, 0, 0, 0]);
        return block.ToArray();
    }

    static (long Offset, long Size) Block(MemoryStream file, byte[] block)
    {
        var offset = file.Length;
        file.Write(block);
        file.WriteByte(0);
        var crc = Crc32C(block, 0);
        var masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
        var trailer = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(trailer, masked);
        file.Write(trailer);
        return (offset, block.Length);
    }

    // Bitwise CRC-32C (Castagnoli) of the block followed by its compression-type byte.
    static uint Crc32C(byte[] data, byte type)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data.Append(type))
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0x82F63B78u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    static void Varint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }
}
