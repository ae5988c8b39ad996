using BenchmarkDotNet.Attributes;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Bench;

/// <summary>
/// One whole coupled step of the quickstart case (potential solve with Newton + galvanostat, rates,
/// Li update, labels) on the backend PFLI_BENCH_BACKEND names (host by default), from a state 10 steps in. Cell-updates/s = cells / time.
/// </summary>
public class StepBenchmarks
{
    private Backend _backend = null!;
    private ElectrodepositionModel _model = null!;
    private double _current;

    public static IEnumerable<string> BackendNames => [BenchBackend.Name];

    [ParamsSource(nameof(BackendNames))]
    public string Backend = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine(FindRoot(), "cases", "quickstart.toml");
        var c = CaseReader.ReadFile(path);
        _backend = Backends.BackendCatalog.Create(Backend);
        _model = new ElectrodepositionModel(c, _backend);
        _current = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        for (int n = 0; n < 10; n++) Step();
    }

    [Benchmark]
    public void CoupledStep()
    {
        Step();
        _backend.Synchronize();
    }

    private void Step()
    {
        _model.SolvePotential(_current);
        _model.ComputeRates();
        _model.AdvanceLiPhase(1.0);
        _model.UpdateBodies();
    }

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "PhaseFieldLi.sln"))) d = d.Parent;
        return d?.FullName ?? Directory.GetCurrentDirectory();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        _backend.Dispose();
    }
}
