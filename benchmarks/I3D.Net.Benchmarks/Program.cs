using BenchmarkDotNet.Running;
using I3D.Net.Benchmarks;

// `quick ...` prints one table without BenchmarkDotNet's statistics (for a short GPU lease); anything else goes to
// BenchmarkDotNet's switcher, e.g. `--filter *Inference*`.
if (args.Length > 0 && args[0] == "quick")
    return QuickRunner.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(args);
return 0;
