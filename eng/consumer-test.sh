#!/usr/bin/env bash
# Consumer test: the I3D.Net package works for an application that knows nothing of this repository.
#   1. packs I3D.Net with a unique prerelease version (so no stale copy in the shared NuGet cache is ever used),
#   2. checks the .nuspec: TorchSharp is the only TorchSharp* dependency (apps choose the native backend),
#   3. creates a fresh net10.0 console app in a temp folder, adds I3D.Net from the local folder and TorchSharp-cpu,
#   4. builds and runs it: it builds an InceptionI3D(numClasses: 5) and runs a forward pass on a 1x3x9x64x64 clip;
#      exports it with I3D.Net.Onnx (packed too) and runs the .onnx with ONNX Runtime, comparing the logits;
#      then TwoStreamI3D.FromImageNet(...) from a local GoogLeNet-format weights file the app writes (random values,
#      torchvision's key names and shapes) and one fine-tuning step of I3DTrainer on random two-stream clips;
#      then a first classification as a user writes it (VideoClassifier.Load + Predict, at most 10 lines) of the real
#      cricket clip (the kinetics-i3d sample GIF, re-encoded as MP4 by the app's setup) with 400-class weights it writes;
#   5. packs the i3d tool (I3D.Net.Tool) and installs it from the local folder into a fresh tool path, then runs
#      'i3d --help', 'i3d classify' on the app's MP4 with the app's weights file (the same top-5 as the app's own
#      VideoClassifier), 'i3d flow --shard 1/2' and '--shard 2/2' on a tiny dataset the app writes, and
#      'i3d check-dataset' between and after the shards (incomplete, then complete).
# Cleans up the temp app and this version's folder in the NuGet cache. Prints "consumer-test: passed" on success.
# usage: eng/consumer-test.sh [--no-build]   (--no-build packs the existing Release build, as build.sh test does)
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
repo=$PWD
say() { printf 'consumer-test: [%3ds] %s\n' "$(( $(date +%s) - start ))" "$*"; }
fail() { printf 'consumer-test: FAILED: %s\n' "$*" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
torchsharp_version=$(sed -n 's/.*PackageVersion Include="TorchSharp-cpu" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
[[ -n "$torchsharp_version" ]] || fail "TorchSharp-cpu's version not found in Directory.Packages.props"
opencv_version=$(sed -n 's/.*PackageVersion Include="OpenCvSharp4.official.runtime.linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
[[ -n "$opencv_version" ]] || fail "OpenCvSharp4.official.runtime.linux-x64's version not found in Directory.Packages.props"
cricket_gif="$repo/tests/I3D.Net.Tests/Fixtures/kinetics-i3d/v_CricketShot_g04_c01_rgb.gif"
[[ -f "$cricket_gif" ]] || fail "the cricket clip $cricket_gif is missing"
suffix="consumer.$(date -u +%Y%m%d%H%M%S).$$"
packages="$repo/artifacts/consumer-test/packages"
work=$(mktemp -d "${TMPDIR:-/tmp}/i3d-consumer.XXXXXX")
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
version=""
cleanup() {
  rm -rf "$work"
  # Only this run's version: the shared cache keeps everything else.
  if [[ -n "$version" ]]; then rm -rf "$cache/i3d.net/$version" "$cache/i3d.net.onnx/$version" "$cache/i3d.net.tool/$version"; fi
}
trap cleanup EXIT

pack_args=()
if [[ "${1:-}" == "--no-build" ]]; then pack_args+=(--no-build); fi

# 1. Pack.
rm -rf "$packages"; mkdir -p "$packages"
dotnet pack src/I3D.Net -c Release -o "$packages" -p:VersionSuffix="$suffix" "${pack_args[@]}" -nologo -v:q >"$work/pack.log" 2>&1 \
  || { cat "$work/pack.log"; fail "dotnet pack failed"; }
nupkg=$(ls "$packages"/I3D.Net.*.nupkg | grep -v '\.snupkg$' | head -1)
[[ -f "$nupkg" ]] || fail "no I3D.Net nupkg in $packages"
version=$(basename "$nupkg" .nupkg); version=${version#I3D.Net.}
[[ -f "$packages/I3D.Net.$version.snupkg" ]] || fail "no symbols package I3D.Net.$version.snupkg"
say "packed I3D.Net $version"
dotnet pack src/I3D.Net.Onnx -c Release -o "$packages" -p:VersionSuffix="$suffix" "${pack_args[@]}" -nologo -v:q >"$work/pack-onnx.log" 2>&1 \
  || { cat "$work/pack-onnx.log"; fail "dotnet pack of I3D.Net.Onnx failed"; }
onnx_nupkg="$packages/I3D.Net.Onnx.$version.nupkg"
[[ -f "$onnx_nupkg" ]] || fail "no I3D.Net.Onnx.$version.nupkg in $packages"
onnx_contents=$(unzip -Z1 "$onnx_nupkg")
for f in lib/net10.0/I3D.Net.Onnx.dll lib/net10.0/I3D.Net.Onnx.xml licenses/onnx/LICENSE licenses/onnx/NOTICE.md; do
  grep -qx "$f" <<<"$onnx_contents" || fail "$f missing from $(basename "$onnx_nupkg")"
done
onnx_nuspec=$(unzip -p "$onnx_nupkg" I3D.Net.Onnx.nuspec)
for dep in "I3D.Net\" version=\"$version" "Microsoft.ML.OnnxRuntime\"" "Google.Protobuf\""; do
  grep -q "<dependency id=\"$dep" <<<"$onnx_nuspec" || fail "I3D.Net.Onnx's nuspec lacks the dependency $dep"
done
! grep -q 'id="Grpc.Tools"' <<<"$onnx_nuspec" || fail "I3D.Net.Onnx depends on Grpc.Tools (build-time only)"
say "packed I3D.Net.Onnx $version: depends on I3D.Net $version, ONNX Runtime and Google.Protobuf"

# 2. The package's contents and dependencies.
contents=$(unzip -Z1 "$nupkg")
for f in I3D.Net.nuspec README.md lib/net10.0/I3D.Net.dll lib/net10.0/I3D.Net.xml; do
  grep -qx "$f" <<<"$contents" || fail "$f missing from $(basename "$nupkg")"
done
nuspec=$(unzip -p "$nupkg" I3D.Net.nuspec)
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "the nuspec lacks the MIT license expression"
torch_deps=$(grep -o '<dependency id="TorchSharp[^"]*"' <<<"$nuspec" | sed 's/<dependency id="//; s/"$//' | sort -u | tr '\n' ' ')
[[ "$torch_deps" == "TorchSharp " ]] || fail "the package's TorchSharp* dependencies are '$torch_deps'; expected exactly TorchSharp (no native backend)"
! grep -q 'OnnxRuntime' <<<"$nuspec" || fail "the core package depends on ONNX Runtime (only I3D.Net.Onnx may)"
say "nuspec: README, MIT license, XML docs; TorchSharp* dependencies: $torch_deps; no ONNX Runtime"

# 3. A fresh console app, outside the repository (so none of its props apply).
app="$work/ConsumerApp"
dotnet new console -o "$app" --framework net10.0 >"$work/new.log" 2>&1 || { cat "$work/new.log"; fail "dotnet new console failed"; }
cat >"$app/Program.cs" <<'CS'
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Runtime;
using TorchSharp;

var device = I3DRuntime.ResolveDevice(ComputeDevice.Auto);
torch.manual_seed(7);
using var model = new InceptionI3D(numClasses: 5);
model.to(device).eval();
using (torch.no_grad())
{
    // RGB in [-1, 1]: batch 1, 3 channels, 9 frames of 64x64.
    using var clip = (torch.rand([1, 3, 9, 64, 64]) * 2 - 1).to(device);
    using var logits = model.forward(clip);
    Console.WriteLine($"device: {device.type}");
    Console.WriteLine($"logits shape: [{string.Join(", ", logits.shape)}]");
    Console.WriteLine($"logits finite: {logits.isfinite().all().item<bool>()}");
}

// ONNX: export the model for 9x64x64 clips, run the file with ONNX Runtime (no libtorch involved) and compare.
{
    var onnxPath = Path.Combine(AppContext.BaseDirectory, "i3d.onnx");
    I3D.Net.Onnx.OnnxExport.Export(model, onnxPath, new I3D.Net.Onnx.OnnxExportOptions
        { Frames = 9, Height = 64, Width = 64, ClassNames = ["a", "b", "c", "d", "e"], SourceWeights = "random (consumer test)" });
    var values = Enumerable.Range(0, 3 * 9 * 64 * 64).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
    using var onnx = new I3D.Net.Onnx.OnnxI3D(onnxPath, new I3D.Net.Onnx.OnnxI3DOptions { IntraOpThreads = 2 });
    var onnxLogits = onnx.Run(values, [1, 3, 9, 64, 64]).Buffer.ToArray();
    using var cpuModel = new InceptionI3D(numClasses: 5);
    cpuModel.load_state_dict(model.to(torch.CPU).state_dict());
    cpuModel.eval();
    using var noGrad = torch.no_grad();
    using var torchLogits = cpuModel.forward(torch.tensor(values, [1, 3, 9, 64, 64]));
    var expected = torchLogits.data<float>().ToArray();
    var scale = expected.Max(Math.Abs);
    var worst = expected.Zip(onnxLogits, (a, b) => Math.Abs(a - b)).Max();
    Console.WriteLine($"onnx logits: {onnxLogits.Length}, classes {string.Join(",", onnx.ClassNames)}");
    Console.WriteLine($"onnx matches torch: {worst <= 1e-4 * scale}");
}

// ImageNet initialisation from a local file (no download), then one fine-tuning step from the packed package.
var googLeNet = Path.Combine(AppContext.BaseDirectory, "googlenet-synthetic.pth");
using (var scope = torch.NewDisposeScope())
    TorchZipWriter.Save(SyntheticGoogLeNet.Create(), googLeNet);
using var twoStream = TwoStreamI3D.FromImageNet(numClasses: 3,
    weights: new ImageNetWeightsOptions { WeightsPath = googLeNet, AllowDownload = false });
Console.WriteLine($"FromImageNet: {twoStream.NumClasses} classes, rgb conv1 {string.Join("x", twoStream.Rgb.state_dict()["Conv3d_1a_7x7.conv3d.weight"].shape)}, "
    + $"flow conv1 {string.Join("x", twoStream.Flow.state_dict()["Conv3d_1a_7x7.conv3d.weight"].shape)}");
var trainer = new I3D.Net.Training.I3DTrainer(I3D.Net.Training.ClassifierAdapter.TwoStream(twoStream, twoStream.Rgb, twoStream.Flow),
    new I3D.Net.Training.TrainingOptions { Epochs = 1, Device = "cpu" });
var result = await trainer.FitAsync(new RandomClips());
var loss = result.History.Records[^1].Metrics["train_loss"];
Console.WriteLine($"fine-tuning steps: {result.Steps}");
Console.WriteLine($"train loss finite: {double.IsFinite(loss)}");

// Setup (the test's, not the user's): Kinetics-400-shaped weights with class names, and the cricket clip as an MP4.
var weightsFile = Path.Combine(AppContext.BaseDirectory, "kinetics400-rgb.safetensors");
var cricket = Path.Combine(AppContext.BaseDirectory, "cricket.mp4");
ConsumerSetup.Prepare(weightsFile, args[0], cricket);
ConsumerSetup.WriteDataset(Path.Combine(AppContext.BaseDirectory, "dataset"));
// --- user code: a first classification ---
using var classifier = VideoClassifier.Load(weightsFile);
var prediction = classifier.Predict(cricket);
foreach (var (index, name, probability) in prediction.Top)
    Console.WriteLine($"top: {name} {probability:P1}");
// --- end of user code ---
Console.WriteLine($"classified frames: {prediction.Clips[0].Frames.Count}");

/// <summary>One batch of two random two-stream clips per epoch.</summary>
sealed class RandomClips : I3D.Net.Data.IClipBatchSource
{
    public int BatchesPerEpoch => 1;
    public IReadOnlyList<string> ClassNames { get; } = ["a", "b", "c"];
    public async IAsyncEnumerable<I3D.Net.Data.ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var generator = new torch.Generator(42 + (ulong)epoch);
        yield return new I3D.Net.Data.ClipBatch(torch.rand(new long[] { 2, 3, 9, 32, 32 }, generator: generator) * 2 - 1,
            torch.rand(new long[] { 2, 2, 9, 32, 32 }, generator: generator) * 2 - 1, torch.tensor(new long[] { 0, 2 }), [0, 1]);
    }
}
CS
cat >"$app/ConsumerSetup.cs" <<'CS'
using I3D.Net.Models;
using I3D.Net.Weights;
using OpenCvSharp;
using TorchSharp;

/// <summary>What the consumer test prepares before the user code runs.</summary>
static class ConsumerSetup
{
    /// <summary>Writes seeded 400-class RGB weights with the Kinetics names, and re-encodes the GIF as MPEG-4.</summary>
    public static void Prepare(string weights, string gif, string mp4)
    {
        torch.manual_seed(1);
        using (var model = new InceptionI3D(numClasses: 400))
            Checkpoints.Save(model, weights, KineticsClasses.Kinetics400);
        using var capture = new VideoCapture(gif);
        using var writer = new VideoWriter(mp4, FourCC.FromString("mp4v"), 25, new OpenCvSharp.Size(224, 224));
        if (!capture.IsOpened() || !writer.IsOpened())
            throw new InvalidOperationException($"OpenCV cannot read '{gif}' or write '{mp4}'.");
        using var frame = new Mat();
        while (capture.Read(frame) && !frame.Empty())
            writer.Write(frame);
    }

    /// <summary>Four tiny MJPG videos <c>&lt;root&gt;/{left,right}/v&lt;i&gt;.avi</c> (48x32, 6 frames) of a texture moving by a per-video step.</summary>
    public static void WriteDataset(string root)
    {
        for (var i = 0; i < 4; i++)
        {
            var path = Path.Combine(root, i % 2 == 0 ? "left" : "right", $"v{i}.avi");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var writer = new VideoWriter(path, FourCC.MJPG, 25, new OpenCvSharp.Size(48, 32));
            var pixels = new byte[32 * 48 * 3];
            for (var t = 0; t < 6; t++)
            {
                for (var y = 0; y < 32; y++)
                    for (var x = 0; x < 48; x++)
                    {
                        var u = x + (i + 1) * t;   // the texture moves i + 1 pixels per frame
                        pixels[(y * 48 + x) * 3] = (byte)(128 + 100 * Math.Sin(u * 0.4) * Math.Cos(y * 0.3));
                        pixels[(y * 48 + x) * 3 + 1] = (byte)(128 + 100 * Math.Cos(u * 0.25 + y * 0.2));
                        pixels[(y * 48 + x) * 3 + 2] = (byte)(128 + 60 * Math.Sin((u + y) * 0.15));
                    }
                using var frame = Mat.FromPixelData(32, 48, MatType.CV_8UC3, pixels);
                writer.Write(frame);
            }
        }
    }
}
CS
user_lines=$(sed -n '/^\/\/ --- user code/,/^\/\/ --- end of user code/p' "$app/Program.cs" | grep -v '^//' | grep -c .)
(( user_lines <= 10 )) || fail "the first classification takes $user_lines lines of user code; expected at most 10"
# The GoogLeNet-format writer is the tests' own (torch.save-compatible zip, torchvision's key names and shapes).
for f in TorchZipWriter SyntheticGoogLeNet; do
  sed 's/^namespace I3D.Net.Tests.Weights;/namespace ConsumerApp;/' "tests/I3D.Net.Tests/Weights/$f.cs" >"$app/$f.cs"
done
sed -i '1i using ConsumerApp;' "$app/Program.cs"
# TorchSharp, I3D.Net's dependency, is in the NuGet cache already: packing restored it.
{ dotnet add "$app" package I3D.Net --version "$version" --source "$packages" \
    && dotnet add "$app" package TorchSharp-cpu --version "$torchsharp_version" \
    && dotnet add "$app" package OpenCvSharp4.official.runtime.linux-x64 --version "$opencv_version"; } >"$work/add.log" 2>&1 \
  || { cat "$work/add.log"; fail "dotnet add package failed"; }
dotnet add "$app" package I3D.Net.Onnx --version "$version" --source "$packages" >"$work/add-onnx.log" 2>&1 \
  || { cat "$work/add-onnx.log"; fail "dotnet add package I3D.Net.Onnx failed"; }
say "created a console app referencing I3D.Net $version, I3D.Net.Onnx, TorchSharp-cpu $torchsharp_version and OpenCvSharp4.official.runtime.linux-x64 $opencv_version"

# 4. Build and run.
dotnet build "$app" -c Release -nologo -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the consumer app does not build"; }
say "built the consumer app"
output=$(dotnet "$app/bin/Release/net10.0/ConsumerApp.dll" "$cricket_gif" 2>&1) || { echo "$output"; fail "the consumer app failed"; }
echo "$output" | sed 's/^/consumer-app: /'
grep -qx 'logits shape: \[1, 5\]' <<<"$output" || fail "expected 'logits shape: [1, 5]'"
grep -qx 'logits finite: True' <<<"$output" || fail "expected finite logits"
grep -qx 'onnx logits: 5, classes a,b,c,d,e' <<<"$output" || fail "expected 5 ONNX logits and the exported class names"
grep -qx 'onnx matches torch: True' <<<"$output" || fail "expected the ONNX Runtime logits to match TorchSharp's within 1e-4 of their scale"
grep -q '^FromImageNet: 3 classes, rgb conv1 64x3x7x7x7, flow conv1 64x2x7x7x7$' <<<"$output" || fail "expected an ImageNet-initialised two-stream model"
grep -qx 'fine-tuning steps: 1' <<<"$output" || fail "expected one fine-tuning step"
grep -qx 'train loss finite: True' <<<"$output" || fail "expected a finite training loss"
[[ $(grep -c '^top: ' <<<"$output") == 5 ]] || fail "expected the top-5 classes of the cricket clip"
while read -r name; do
  grep -qxF "$name" "$repo/src/I3D.Net/Weights/Resources/kinetics400_classes.txt" || fail "'$name' is not a Kinetics-400 class"
done < <(sed -n 's/^top: \(.*\) [0-9][0-9.,]* \{0,1\}%$/\1/p' <<<"$output")
grep -qx 'classified frames: 79' <<<"$output" || fail "expected the whole 79-frame clip to be classified"
say "the consumer app: forward pass, ONNX, ImageNet init, a training step, a first classification"

# 5. The i3d tool: packed (libtorch and OpenCV inside), installed from the local folder into a fresh tool path.
tool_start=$(date +%s)
dotnet pack src/I3D.Net.Tool -c Release -o "$packages" -p:VersionSuffix="$suffix" "${pack_args[@]}" -nologo -v:q >"$work/pack-tool.log" 2>&1 \
  || { cat "$work/pack-tool.log"; fail "dotnet pack of I3D.Net.Tool failed"; }
tool_nupkg="$packages/I3D.Net.Tool.$version.nupkg"
[[ -f "$tool_nupkg" ]] || fail "no I3D.Net.Tool.$version.nupkg in $packages"
tool_contents=$(unzip -Z1 "$tool_nupkg")
for f in tools/net10.0/linux-x64/DotnetToolSettings.xml tools/net10.0/linux-x64/i3d.dll tools/net10.0/linux-x64/libtorch_cpu.so tools/net10.0/linux-x64/libOpenCvSharpExtern.so; do
  grep -qx "$f" <<<"$tool_contents" || fail "$f missing from $(basename "$tool_nupkg")"
done
! grep -q 'libtorch_python.so' <<<"$tool_contents" || fail "the tool package carries libtorch's Python binding"
say "packed I3D.Net.Tool $version: $(( $(stat -c %s "$tool_nupkg") / 1000000 )) MB in $(( $(date +%s) - tool_start )) s"
tools="$work/tools"
install_start=$(date +%s)
dotnet tool install --tool-path "$tools" --add-source "$packages" I3D.Net.Tool --version "$version" >"$work/install-tool.log" 2>&1 \
  || { cat "$work/install-tool.log"; fail "dotnet tool install failed"; }
say "installed i3d into a fresh tool path in $(( $(date +%s) - install_start )) s"
i3d="$tools/i3d"
run_i3d() { "$i3d" "$@" 2>"$work/i3d.err"; }

help=$(run_i3d --help) || fail "i3d --help failed: $(cat "$work/i3d.err")"
for command in classify finetune flow features check-dataset export weights; do
  grep -q "^    $command" <<<"$help" || fail "i3d --help does not list '$command'"
done
rc=0; "$i3d" classify --bogus >/dev/null 2>"$work/i3d.err" || rc=$?
[[ $rc -eq 2 && $(wc -l <"$work/i3d.err") -eq 1 ]] || fail "a usage error gave exit code $rc and $(wc -l <"$work/i3d.err") stderr line(s); expected 2 and 1"

bin="$app/bin/Release/net10.0"
json=$(run_i3d classify "$bin/cricket.mp4" --model "$bin/kinetics400-rgb.safetensors" --json) || fail "i3d classify failed: $(cat "$work/i3d.err")"
tool_top=$(sed -n 's/.*"name": "\(.*\)".*/\1/p' <<<"$json")
tool_frames=$(sed -n 's/.*"framesPerClip": \([0-9]*\).*/\1/p' <<<"$json")
app_top=$(sed -n 's/^top: \(.*\) [0-9][0-9.,]* \{0,1\}%$/\1/p' <<<"$output")
[[ $(grep -c . <<<"$tool_top" || true) -eq 5 && "$tool_top" == "$app_top" && "$tool_frames" == 79 ]] \
  || fail "i3d classify gave $tool_frames frames and '$tool_top'; the app's VideoClassifier gave 79 frames and '$app_top'"
say "i3d classify: the app's top-5 of the cricket clip, 79 frames"

dataset="$bin/dataset"; flow="$work/flow"
shard_json() { run_i3d flow "$dataset" "$flow" --method farneback --shard "$1" --json || fail "i3d flow --shard $1 failed: $(cat "$work/i3d.err")"; }
# The "extracted" array of the --json summary, one path a line.
extracted() { awk '/"extracted": \[/ { on = !/\]/; next } on && /\]/ { on = 0 } on { gsub(/^ *"|",?$/, ""); print }' <<<"$1"; }
first=$(extracted "$(shard_json 1/2)")
rc=0; run_i3d check-dataset "$dataset" --flow "$flow" >"$work/check1.out" || rc=$?
expected_rc=$(( $(grep -c . <<<"$first" || true) < 4 ? 1 : 0 ))   # incomplete unless shard 2/2 holds no video
[[ $rc -eq $expected_rc ]] || fail "check-dataset after shard 1/2 exited $rc; expected $expected_rc"
[[ $expected_rc -eq 0 ]] || grep -q '^incomplete: ' "$work/check1.out" || fail "check-dataset after shard 1/2 did not say incomplete: $(cat "$work/check1.out")"
second=$(extracted "$(shard_json 2/2)")
all=$(printf '%s\n%s\n' "$first" "$second" | grep . | sort)
[[ $(wc -l <<<"$all") -eq 4 && $(sort -u <<<"$all" | wc -l) -eq 4 ]] || fail "the two shards extracted '$all'; expected the 4 videos, each once"
[[ $(find "$flow" -name .done | wc -l) -eq 4 ]] || fail "expected 4 complete flow folders"
check=$(run_i3d check-dataset "$dataset" --flow "$flow") || fail "check-dataset after both shards failed: $check $(cat "$work/i3d.err")"
grep -qx 'complete' <<<"$check" || fail "check-dataset did not report the dataset complete: $check"
say "i3d flow --shard 1/2 ($(grep -c . <<<"$first" || true) videos) and 2/2 ($(grep -c . <<<"$second" || true)): 4 videos once each; check-dataset incomplete, then complete"
say "passed"
