#!/usr/bin/python3
"""Reference TV-L1 flow from OpenCV for the I3D.Net flow tests and the benchmark comparison.

Run with Debian's interpreter, which has OpenCV 4.6 with the contrib `optflow` module (apt-get install python3-opencv):

    /usr/bin/python3 tools/flow/make_tvl1_fixture.py            # writes tests/I3D.Net.Tests/Fixtures/flow/
    /usr/bin/python3 tools/flow/make_tvl1_fixture.py --benchmark  # times OpenCV's CPU TV-L1, writes nothing
    /usr/bin/python3 tools/flow/make_tvl1_fixture.py --sensitivity  # OpenCV's own spread under tiny input noise

Frames come from the cricket clip of deepmind/kinetics-i3d (a copy lives in the test fixtures with its NOTICE). Each
fixture set is `<name>_frames.npy` (uint8 [N+1, H, W] grayscale frames; pair i is frames i and i+1 of the set) and
`<name>_flow.npy` (float32 [N, 2, H, W], x then y, OpenCV DualTVL1, default parameters unless the set says), plus
`<name>.json` describing where the frames come from and the parameters used.
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GIF = os.path.join(ROOT, "tests", "I3D.Net.Tests", "Fixtures", "kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif")
OUT = os.path.join(ROOT, "tests", "I3D.Net.Tests", "Fixtures", "flow")

# (name, (previous, next) frame indices of each pair, side in pixels, parameters other than OpenCV's defaults).
# The camera of this clip barely moves, so besides one consecutive pair the sets use pairs 4 frames apart, which
# have displacements of several pixels.
PAIRS112 = [(40, 41), (54, 58), (70, 74)]
SETS = [
    ("cricket112", PAIRS112, 112, {}),                      # defaults: the fast CPU test
    ("cricket224", [(70, 74)], 224, {}),                    # defaults at full size (Heavy trait)
    # Few iterations and no early stop: every stage (pyramid, warping, median, primal-dual steps, upscaling) runs,
    # but too few iterations for rounding differences to grow, so implementations must agree to ~1e-4 px.
    ("cricket112_short", PAIRS112, 112,
     {"nscales": 3, "warps": 2, "innerIterations": 10, "outerIterations": 2, "epsilon": 0.0}),
]


def configure(tvl1, overrides):
    setters = {"nscales": tvl1.setScalesNumber, "warps": tvl1.setWarpingsNumber, "epsilon": tvl1.setEpsilon,
               "innerIterations": tvl1.setInnerIterations, "outerIterations": tvl1.setOuterIterations,
               "medianFiltering": tvl1.setMedianFiltering, "scaleStep": tvl1.setScaleStep}
    for name, value in overrides.items():
        setters[name](value)
    return tvl1


def create_tvl1():
    """OpenCV 4.x keeps DualTVL1 in contrib (cv2.optflow); very old builds had it in the main module."""
    if hasattr(cv2, "optflow") and hasattr(cv2.optflow, "DualTVL1OpticalFlow_create"):
        return cv2.optflow.DualTVL1OpticalFlow_create()
    if hasattr(cv2, "DualTVL1OpticalFlow_create"):
        return cv2.DualTVL1OpticalFlow_create()
    sys.exit("This OpenCV has no DualTVL1 (install Debian's python3-opencv, which includes the contrib modules).")


def parameters(tvl1):
    return {
        "tau": tvl1.getTau(), "lambda": tvl1.getLambda(), "theta": tvl1.getTheta(),
        "nscales": tvl1.getScalesNumber(), "warps": tvl1.getWarpingsNumber(), "epsilon": tvl1.getEpsilon(),
        "innerIterations": tvl1.getInnerIterations(), "outerIterations": tvl1.getOuterIterations(),
        "scaleStep": tvl1.getScaleStep(), "gamma": tvl1.getGamma(), "medianFiltering": tvl1.getMedianFiltering(),
        "useInitialFlow": tvl1.getUseInitialFlow(),
    }


def read_gray_frames(path):
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    if not frames:
        sys.exit(f"Could not read any frame from {path}")
    return frames


def resize(frame, side):
    if frame.shape[0] == side and frame.shape[1] == side:
        return frame
    return cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)


def write_fixtures(frames):
    os.makedirs(OUT, exist_ok=True)
    for name, pairs, side, overrides in SETS:
        tvl1 = configure(create_tvl1(), overrides)
        stacked, flows = [], []                                    # frames stored as (prev0, next0, prev1, next1, ...)
        for first, second in pairs:
            prev, nxt = resize(frames[first], side), resize(frames[second], side)
            flow = tvl1.calc(prev, nxt, None)                      # uint8 input: OpenCV works on 0-255 values
            stacked += [prev, nxt]
            flows.append(flow.transpose(2, 0, 1))                 # [H, W, 2] -> [2, H, W]
        np.save(os.path.join(OUT, f"{name}_frames.npy"), np.stack(stacked).astype(np.uint8))
        np.save(os.path.join(OUT, f"{name}_flow.npy"), np.stack(flows).astype(np.float32))
        meta = {
            "source": "tests/I3D.Net.Tests/Fixtures/kinetics-i3d/v_CricketShot_g04_c01_rgb.gif",
            "pairs": [list(p) for p in pairs],
            "layout": "frames [2N, H, W] uint8 as (previous, next) per pair; flow [N, 2, H, W] float32 (x, y)",
            "grayscale": "cv2.cvtColor(BGR2GRAY) of each decoded frame, then cv2.resize INTER_AREA to the side",
            "side": side,
            "opencv": cv2.__version__,
            "parameters": parameters(tvl1),
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        print(f"{name}: {len(pairs)} pairs at {side}x{side}, mean |flow| "
              f"{np.mean(np.linalg.norm(np.stack(flows), axis=1)):.3f} px")


def benchmark(frames, repeats):
    tvl1 = create_tvl1()
    print(f"OpenCV {cv2.__version__}, threads {cv2.getNumThreads()}, parameters {parameters(tvl1)}")
    for width, height in [(224, 224), (340, 256)]:
        pairs = [(cv2.resize(frames[i], (width, height)), cv2.resize(frames[i + 1], (width, height)))
                 for i in range(30, 30 + repeats)]
        tvl1.calc(*pairs[0], None)                                 # warm-up
        begin = time.perf_counter()
        for prev, nxt in pairs:
            tvl1.calc(prev, nxt, None)
        seconds = (time.perf_counter() - begin) / len(pairs)
        print(f"{width}x{height}: {seconds:.3f} s per pair, {1 / seconds:.2f} pairs/s ({len(pairs)} pairs)")


def sensitivity():
    """How much OpenCV's own result moves when the 8-bit frames are perturbed by at most 0.001 grey levels."""
    frames = np.load(os.path.join(OUT, "cricket112_frames.npy"))
    reference = np.load(os.path.join(OUT, "cricket112_flow.npy"))
    tvl1 = create_tvl1()
    rng = np.random.default_rng(0)
    for amplitude in [1e-3, 1e-2]:
        flows = []
        for i in range(len(frames) // 2):
            # float input is taken as 0-1 and multiplied by 255 inside OpenCV
            prev, nxt = [(frames[2 * i + k] + rng.uniform(-amplitude, amplitude, frames[0].shape)).astype(np.float32) / 255
                         for k in (0, 1)]
            flows.append(tvl1.calc(prev, nxt, None).transpose(2, 0, 1))
        error = np.linalg.norm(np.stack(flows) - reference, axis=1)
        moving = np.linalg.norm(reference, axis=1) > 0.5
        print(f"frames perturbed by up to {amplitude} grey levels: mean EPE to the unperturbed result {error.mean():.4f} px, "
              f"on pixels moving > 0.5 px {error[moving].mean():.4f} px, max {error.max():.2f} px")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", action="store_true", help="time OpenCV's TV-L1 instead of writing fixtures")
    parser.add_argument("--sensitivity", action="store_true",
                        help="measure how much OpenCV's own result changes under tiny input perturbations")
    parser.add_argument("--repeats", type=int, default=5, help="frame pairs per size for --benchmark")
    args = parser.parse_args()
    frames = read_gray_frames(GIF)
    if args.benchmark:
        benchmark(frames, args.repeats)
    elif args.sensitivity:
        sensitivity()
    else:
        write_fixtures(frames)


if __name__ == "__main__":
    main()
