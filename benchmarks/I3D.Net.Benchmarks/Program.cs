using BenchmarkDotNet.Running;

// `flow …` is a plain timed command (see FlowThroughput); everything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "flow")
    return I3D.Net.Benchmarks.FlowThroughput.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
