using BenchmarkDotNet.Running;
using I3D.Net.Benchmarks;

// `quick ...` prints one table without BenchmarkDotNet's statistics (for a short GPU lease); `flow ...` times optical
// flow (see FlowThroughput); `onnx ...` compares TorchSharp with ONNX Runtime on the CPU (see OnnxComparison); anything else goes to BenchmarkDotNet's switcher, e.g. `--filter *Inference*`.
if (args.Length > 0 && args[0] == "quick")
    return QuickRunner.Run(args[1..]);
#if I3D_ONNX
if (args.Length > 0 && args[0] == "onnx")
    return OnnxComparison.Run(args[1..]);
#endif
if (args.Length > 0 && args[0] == "flow")
    return FlowThroughput.Run(args[1..]);
// `verify ...`: CUDA against CPU correctness, one PASS/FAIL table (Verify/GpuVerify; docs/gpu.md).
if (args.Length > 0 && args[0] == "verify")
    return I3D.Net.Benchmarks.Verify.GpuVerify.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(args);
return 0;
