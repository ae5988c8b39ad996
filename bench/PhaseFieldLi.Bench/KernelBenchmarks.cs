using BenchmarkDotNet.Attributes;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Bench;

/// <summary>
/// Each kernel of a coupled step once over N³ cells on the backend PFLI_BENCH_BACKEND names (host by
/// default; sizes from PFLI_BENCH_SIZES), next to a copy of one
/// float array (the bandwidth reference): the Li phase rate, one red–black Gauss–Seidel sweep (both
/// colours) and one mat-vec of the potential operator, one label-propagation sweep, the damage
/// assembly, and one elastic operator application (8 colour passes of Q1 elements).
/// </summary>
public class KernelBenchmarks
{
    public static IEnumerable<int> Sizes => BenchBackend.Sizes;

    [ParamsSource(nameof(Sizes))]
    public int N;

    private Backend _backend = null!;
    private ElectrodepositionModel _model = null!;
    private FractureModel _mechanics = null!;
    private IOperations _ops = null!;
    private Field<float> _copy = null!, _u = null!, _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        var c = CaseReader.Parse($"""
            physics = "coupled"
            [grid]
            cells = [{N}, {N}, {N}]
            spacing = 1.0e-6
            [time]
            end = 1.0
            [electrodes]
            collector_thickness = 2.0e-6
            negative_li_thickness = 4.0e-6
            positive_li_thickness = 4.0e-6
            growth_room = 2.0e-6
            [mechanics]
            stack_pressure = 4.0e6
            [fracture]
            cleavage_normal = [1, 0, 0]
            [[flaw]]
            shape = "box"
            min = [{N / 2 - 2}e-6, 0.0, 2.0e-6]
            max = [{N / 2 + 2}e-6, {N}e-6, {N / 2}e-6]
            li = 1.0
            """, "kernels");
        _backend = PhaseFieldLi.Backends.BackendCatalog.Create(BenchBackend.Name);
        _model = new ElectrodepositionModel(c, _backend);
        _mechanics = new FractureModel(_model);
        _ops = _model.Ops;
        _copy = _backend.Float("copy", c.Grid.CellCount);
        _u = _backend.Float("u", 3 * _mechanics.Nodes.Count);
        _f = _backend.Float("f", 3 * _mechanics.Nodes.Count);
        _ops.Fill(_u, 1e-3f);
        _model.SolvePotential(0.0);
    }

    [Benchmark(Baseline = true)]
    public void CopyOneArray()
    {
        _ops.Copy(_model.State.Xi, _copy);
        _backend.Synchronize();
    }

    [Benchmark]
    public void LiPhaseRate()
    {
        _ops.LiPhaseRate(_model.State, _model.Grid.Shape, _model.Li);
        _backend.Synchronize();
    }

    [Benchmark]
    public void GaussSeidelSweep()
    {
        var s = _model.State;
        _ops.GaussSeidel(_model.Grid.Shape, OperatorSpec.Default, s.Sigma, s.Shift, s.RhsA, s.Phi, 0);
        _ops.GaussSeidel(_model.Grid.Shape, OperatorSpec.Default, s.Sigma, s.Shift, s.RhsA, s.Phi, 1);
        _backend.Synchronize();
    }

    [Benchmark]
    public double PotentialMatVec()
    {
        var s = _model.State;
        return _ops.MatVec(_model.Grid.Shape, OperatorSpec.Default, s.Sigma, s.Shift, s.Phi, _copy);
    }

    [Benchmark]
    public int LabelSweep() => _ops.PropagateLabels(_model.State, _model.Grid.Shape, 0.05f, 1e-4f);

    [Benchmark]
    public void DamageAssembly()
    {
        _ops.DamageAssembly(_mechanics.History, _copy, _model.State.Rate, 0.25f, 2.7e5f);
        _backend.Synchronize();
    }

    [Benchmark]
    public void ElasticOperator()
    {
        _ops.Fill(_f, 0f);
        _ops.ElasticForce(_mechanics.System, _u, _f, mask: true);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _copy.Dispose();
        _u.Dispose();
        _f.Dispose();
        _mechanics.Dispose();
        _model.Dispose();
        _backend.Dispose();
    }
}
