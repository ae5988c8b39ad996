namespace PhaseFieldLi.Bench;

/// <summary>
/// Which backend and sizes the suites run on: PFLI_BENCH_BACKEND (default <c>cpu</c>; e.g. <c>cuda</c>
/// on a GPU machine) and PFLI_BENCH_SIZES (comma-separated N for the N³ kernel suite; default 64,128).
/// Every timed method ends with the backend's synchronisation, so asynchronous GPU launches are timed
/// to completion.
/// </summary>
public static class BenchBackend
{
    public static string Name => Environment.GetEnvironmentVariable("PFLI_BENCH_BACKEND") is { Length: > 0 } b ? b : "cpu";

    public static IEnumerable<int> Sizes =>
        Environment.GetEnvironmentVariable("PFLI_BENCH_SIZES") is { Length: > 0 } s
            ? s.Split(',').Select(x => int.Parse(x.Trim(), System.Globalization.CultureInfo.InvariantCulture))
            : [64, 128];
}
