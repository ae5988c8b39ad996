using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/PhaseFieldLi.Bench -- --filter '*'   (see bench/README.md)
BenchmarkSwitcher.FromAssembly(typeof(PhaseFieldLi.Bench.OperatorBenchmarks).Assembly).Run(args);
