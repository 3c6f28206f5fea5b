using BenchmarkDotNet.Running;
using Curtail.Benchmarks;

// dotnet run -c Release --project tests/Curtail.Benchmarks -- --filter '*'   (BenchmarkDotNet)
// dotnet run -c Release --project tests/Curtail.Benchmarks -- quick          (min-of-N timings, one run)
if (args is ["quick"])
{
    QuickTimings.Run();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
