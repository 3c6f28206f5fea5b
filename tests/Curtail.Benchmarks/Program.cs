using BenchmarkDotNet.Running;
using Curtail.Benchmarks;

// dotnet run -c Release --project tests/Curtail.Benchmarks -- --filter '*'   (BenchmarkDotNet)
// dotnet run -c Release --project tests/Curtail.Benchmarks -- quick          (min-of-N timings, one run)
// dotnet run -c Release --project tests/Curtail.Benchmarks -- issue10        (the SCED year, live forecast and training targets)
// dotnet run -c Release --project tests/Curtail.Benchmarks -- rtd            (one live forecast without and with an RTD run)
// dotnet run -c Release --project tests/Curtail.Benchmarks -- sced-windows   (the SCED year and one live forecast on SCED windows)
if (args is ["issue10"])
{
    QuickTimings.Issue10();
    return;
}
if (args is ["sced-windows"])
{
    QuickTimings.ScedWindows();
    return;
}
if (args is ["rtd"])
{
    QuickTimings.Rtd();
    return;
}
if (args is ["quick"])
{
    QuickTimings.Run();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
