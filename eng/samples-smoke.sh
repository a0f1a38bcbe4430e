#!/usr/bin/env bash
# Samples smoke test: runs every sample end to end on a tiny generated dataset and checks what each one printed or
# wrote. Needs the Release build of the solution (./build.sh test builds it first). Prints "samples-smoke: passed".
#   1. I3D.Net.Demo: 2 classes, 1 epoch, Farneback flow -> metrics, confusion matrix, PNG, safetensors, a classified video
#   2. Classify: the demo's new video with the demo's weights -> a top-2 list with the demo's class names
#   3. ExtractFeatures: sliding windows -> .npy of [3, 1024] float32 and .safetensors; a rerun skips the video
#   4. ComputeFlow: Farneback on the dataset's videos -> flow folders; a second run skips them all
#   5. Hosted: one epoch through the generic host, options bound from the command line
#   6. FineTune: one epoch on the demo's path/label lists, then --resume to a second epoch
#   7. ComputeFlow + FineTune two-stream on a class-folder dataset (train|val/<class>/clipN.mp4, the same clip names in
#      every class): mirrored flow folders with flow.json, found by --flow-root, one epoch end to end
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
say() { printf 'samples-smoke: [%3ds] %s\n' "$(( $(date +%s) - start ))" "$*"; }
fail() { printf 'samples-smoke: FAILED: %s\n' "$*" >&2; exit 1; }
expect() { grep -qE "$2" <<<"$1" || { echo "$1"; fail "$3"; }; }
bin() { echo "samples/$1/bin/Release/net10.0/$1.dll"; }
for p in I3D.Net.Demo Classify ExtractFeatures ComputeFlow Hosted FineTune; do
  [[ -f "$(bin "$p")" ]] || fail "$(bin "$p") is missing: build the solution in Release first"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/i3d-samples.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The demo on a tiny dataset (accuracy after one epoch is not the point here: exit code 3 says "not above chance").
rc=0
out=$(dotnet "$(bin I3D.Net.Demo)" --out "$work/demo" --classes 2 --videos-per-class 6 --epochs 1 --size 40 --batch 2 --flow farneback 2>&1) || rc=$?
[[ $rc -eq 0 || $rc -eq 3 ]] || { echo "$out"; fail "the demo exited with $rc"; }
expect "$out" 'test \(2 videos\): top-1 [0-9.]+ %, top-5 100.0 %, mean class accuracy' "the demo printed no held-out metrics"
expect "$out" 'confusion matrix' "the demo printed no confusion matrix"
expect "$out" "predicted '(move_left|move_right)'" "the demo classified no new video"
for f in training-curve.png two-stream-i3d.safetensors history.csv class_map.json; do
  [[ -s "$work/demo/$f" ]] || fail "the demo wrote no $f"
done
[[ $(head -c 8 "$work/demo/training-curve.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "training-curve.png is not a PNG"
say "demo: metrics, confusion matrix, PNG, weights, classification"

# 2. Classify.
video=$(ls "$work"/demo/new_*.mp4 | head -1)
out=$(dotnet "$(bin Classify)" "$video" --weights "$work/demo/two-stream-i3d.safetensors" --frames 15 --crop 0 --tvl1 fast 2>&1) || { echo "$out"; fail "Classify failed"; }
expect "$out" 'top-2 of 2 classes' "Classify printed no top-2"
expect "$out" '1\. (move_left|move_right) ' "Classify printed no class name"
say "Classify: top-2 with class names"

# 3. ExtractFeatures on a folder holding the new video: 15 frames, windows of 8 every 4 -> 3 windows of 1024 float32
#    (12,288 bytes after the .npy header), then the same as .safetensors, and a rerun that finds the file done.
name=$(basename "$video" .mp4)
mkdir -p "$work/one" && cp "$video" "$work/one/"
features() { dotnet "$(bin ExtractFeatures)" "$work/one" --weights "$work/demo/two-stream-i3d.safetensors" --frames 8 --stride 4 --mode sliding \
  --short-side 40 --crop 32 "$@" 2>&1; }
out=$(features --out "$work/features") || { echo "$out"; fail "ExtractFeatures failed"; }
expect "$out" 'Extracted, 3 window\(s\)' "ExtractFeatures did not report 3 windows"
[[ $(stat -c %s "$work/features/$name.npy") -eq $((128 + 3 * 1024 * 4)) ]] || fail "$name.npy does not hold [3, 1024] float32"
out=$(features --out "$work/features-st" --format SafeTensors) || { echo "$out"; fail "ExtractFeatures (safetensors) failed"; }
[[ -s "$work/features-st/$name.safetensors" ]] || fail "no $name.safetensors"
out=$(features --out "$work/features") || { echo "$out"; fail "ExtractFeatures (rerun) failed"; }
expect "$out" '0 extracted, 1 already done' "ExtractFeatures' rerun did not skip the finished video"
say "ExtractFeatures: [3, 1024] to .npy and .safetensors, resumable"

# 4. ComputeFlow, twice: the second run finds every folder complete.
out=$(dotnet "$(bin ComputeFlow)" "$work/demo/data/move_left" --out "$work/flow" --method farneback 2>&1) || { echo "$out"; fail "ComputeFlow failed"; }
expect "$out" 'done in .*: 6 extracted \(90 pairs' "ComputeFlow did not extract 6 videos of 15 pairs"
[[ $(ls "$work/flow/move_left_000" | grep -c '^flow_x_') -eq 15 ]] || fail "move_left_000 lacks 15 flow_x_ images"
out=$(dotnet "$(bin ComputeFlow)" "$work/demo/data/move_left" --out "$work/flow" --method farneback 2>&1) || { echo "$out"; fail "ComputeFlow (rerun) failed"; }
expect "$out" '0 extracted .*6 skipped' "ComputeFlow's rerun did not skip the finished videos"
say "ComputeFlow: 6 videos, resumable"

# 5. Hosted.
out=$(dotnet "$(bin Hosted)" --Worker:Output "$work/hosted" --Worker:Classes 2 --Worker:VideosPerClass 4 --Training:Epochs 1 2>&1) \
  || { echo "$out"; fail "Hosted failed"; }
expect "$out" 'Trained 1 epochs' "Hosted did not train"
[[ -d "$work/hosted/checkpoints" ]] || fail "Hosted wrote no checkpoint"
say "Hosted: one epoch via AddI3DTraining"
# 6. FineTune, interrupted after one epoch and resumed.
ft=(--data "$work/demo/data" --format list --train "$work/demo/data/train.txt" --val "$work/demo/data/val.txt" --init scratch
    --batch 2 --frames 8 --crop 32 --workers 1 --out "$work/finetune")
out=$(dotnet "$(bin FineTune)" "${ft[@]}" --epochs 1 2>&1) || { echo "$out"; fail "FineTune failed"; }
expect "$out" 'Completed after 1 epoch\(s\), 4 steps' "FineTune did not train 4 steps"
expect "$out" 'validation \(2 videos\): top-1' "FineTune printed no validation metrics"
out=$(dotnet "$(bin FineTune)" "${ft[@]}" --epochs 2 --resume 2>&1) || { echo "$out"; fail "FineTune --resume failed"; }
expect "$out" 'resumed from .*checkpoint-000000004' "FineTune did not resume from step 4"
expect "$out" 'Completed after 2 epoch\(s\), 8 steps' "FineTune did not continue to step 8"
[[ -s "$work/finetune/model.safetensors" ]] || fail "FineTune wrote no model.safetensors"
say "FineTune: one epoch, resumed to two"

# 7. The documented two-stream workflow on a class-folder dataset: ComputeFlow on its root, FineTune with --flow-root.
cf="$work/classes"
for c in move_left move_right; do
  mkdir -p "$cf/train/$c" "$cf/val/$c"
  for i in 0 1 2; do cp "$work/demo/data/$c/${c}_00$i.mp4" "$cf/train/$c/clip$i.mp4"; done
  cp "$work/demo/data/$c/${c}_003.mp4" "$cf/val/$c/clip0.mp4"
done
out=$(dotnet "$(bin ComputeFlow)" "$cf" --out "$work/classes-flow" --method farneback 2>&1) || { echo "$out"; fail "ComputeFlow on the class folders failed"; }
expect "$out" 'done in .*: 8 extracted \(120 pairs' "ComputeFlow did not extract the 8 class-folder videos"
expect "$out" '\[8/8 \(100 %\), [0-9:]+ elapsed, about 0:00:00 left\]' "ComputeFlow printed no progress with the time left"
for f in train/move_left/clip0 train/move_right/clip0 val/move_left/clip0; do
  [[ $(ls "$work/classes-flow/$f" | grep -c '^flow_x_') -eq 15 ]] || fail "$f has not 15 flow_x_ images (the tree is not mirrored)"
  grep -q '"sourceFps": 25' "$work/classes-flow/$f/flow.json" || fail "$f/flow.json does not record the video's 25 fps"
done
out=$(dotnet "$(bin FineTune)" --data "$cf" --format folders --modality two-stream --flow-root "$work/classes-flow" --init scratch \
  --batch 2 --frames 8 --crop 32 --workers 1 --epochs 1 --out "$work/finetune-two-stream" 2>&1) || { echo "$out"; fail "FineTune two-stream failed"; }
expect "$out" 'flow: .*Farneback.*25 fps' "FineTune did not report the flow settings it found"
expect "$out" '\[3/3 \(100 %\), .* left\] epoch 1/1 batch 3/3' "FineTune printed no progress with the time left"
expect "$out" 'Completed after 1 epoch\(s\), 3 steps' "FineTune two-stream did not train 3 steps"
expect "$out" 'validation \(2 videos\): top-1' "FineTune two-stream printed no validation metrics"
[[ -s "$work/finetune-two-stream/model.safetensors" ]] || fail "FineTune two-stream wrote no model.safetensors"
say "ComputeFlow + FineTune two-stream on class folders: mirrored flow, flow.json, one epoch"
say "passed"
