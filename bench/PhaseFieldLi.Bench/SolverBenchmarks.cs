using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Bench;

/// <summary>
/// Time to solve −∇·(σ∇u) + a u = f to 1e-4 relative residual from u = 0 on N³ (and to 1e-8 with
/// mixed-precision iterative refinement around MG-CG, "refined-1e-8", around plain V-cycles,
/// "mg-refined-1e-8", and around Jacobi-PCG, "jacobi-refined-1e-8"; iterations = the inner ones) (the float32 floor
/// of the true residual is ≈ 2e-5 at 64³ with this jump and grows like N²; docs/validation.md),
/// σ with a 1e4 jump across x = ½, on the backend
/// PFLI_BENCH_BACKEND names (host by default): multigrid-preconditioned CG, multigrid V-cycles alone, and the previous Jacobi-PCG.
/// Jacobi-PCG at 256³ is left out (minutes per solve). Iterations are printed once per case.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SolverBenchmarks
{
    /// <summary>All cases, or only those named in PFLI_SOLVER_CASES (e.g. "256:mg-cg,128:mg").</summary>
    public IEnumerable<(int, string)> Cases()
    {
        (int, string)[] all =
            [(64, "mg-cg"), (64, "mg"), (64, "jacobi-cg"), (128, "mg-cg"), (128, "mg"), (128, "jacobi-cg"), (256, "mg-cg"), (256, "mg"),
             (64, "refined-1e-8"), (128, "refined-1e-8"), (256, "refined-1e-8"),
             (64, "mg-refined-1e-8"), (128, "mg-refined-1e-8"), (256, "mg-refined-1e-8"),
             (64, "jacobi-refined-1e-8"), (128, "jacobi-refined-1e-8")];
        string? only = Environment.GetEnvironmentVariable("PFLI_SOLVER_CASES");
        if (string.IsNullOrWhiteSpace(only)) return all;
        var wanted = only.Split(',').Select(x => x.Trim()).ToHashSet();
        return all.Where(c => wanted.Contains($"{c.Item1}:{c.Item2}"));
    }

    [ParamsSource(nameof(Cases))]
    public (int N, string Method) Case;

    private Backend _b = null!;
    private IOperations _ops = null!;
    private GridShape _g;
    private Field<float> _sigma = null!, _shift = null!, _rhs = null!, _x = null!;
    private ConjugateGradient? _cg;
    private Multigrid? _mg;
    private IterativeRefinement? _refine;
    private bool _printed;

    [GlobalSetup]
    public void Setup()
    {
        int n = Case.N;
        _g = new GridShape(n, n, n);
        _b = Backends.BackendCatalog.Create(BenchBackend.Name);
        _ops = _b.CreateOperations();
        var s = new float[_g.Count];
        var f = new float[_g.Count];
        double h = 1.0 / n;
        for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
        {
            int idx = _g.Index(i, j, k);
            s[idx] = i < n / 2 ? 1f : 1e4f;
            f[idx] = (float)(h * h * Math.Cos(Math.PI * (i + 0.5) * h) * Math.Cos(Math.PI * (j + 0.5) * h));
        }
        _sigma = _b.Float("s", _g.Count); _sigma.Upload(s);
        _shift = _b.Float("a", _g.Count); _shift.Fill((float)(h * h));
        _rhs = _b.Float("f", _g.Count); _rhs.Upload(f);
        _x = _b.Float("x", _g.Count);
        if (Case.Method is "mg" or "mg-refined-1e-8")
        {
            _mg = new Multigrid(_b, _ops, _g);
            // Plain cycles measure the true float32 residual, whose floor (≈ 1e-4 relative at 128³)
            // a 1e-4 correction tolerance would sit on; 1e-2 is two cycles per correction.
            if (Case.Method == "mg-refined-1e-8") _refine = new IterativeRefinement(_b, _ops, _g, _mg) { InnerTolerance = 1e-2 };
        }
        else
        {
            IPreconditioner p = Case.Method is "mg-cg" or "refined-1e-8" ? new Multigrid(_b, _ops, _g) : new JacobiPreconditioner(_b, _ops, _g);
            _cg = new ConjugateGradient(_b, _ops, _g, p);
            if (Case.Method is "refined-1e-8" or "jacobi-refined-1e-8") _refine = new IterativeRefinement(_b, _ops, _g, _cg, 20000);
        }
    }

    [Benchmark]
    public int Solve()
    {
        _x.Fill(0f);
        var problem = new HelmholtzProblem(_g, _sigma, _shift);
        SolveReport r;
        if (_refine != null)
        {
            r = _refine.Solve(problem, _rhs, _x, 1e-8);
            r = r with { Iterations = _refine.InnerIterations };
        }
        else if (_mg != null) r = _mg.Solve(problem, _rhs, _x, 1e-4, 100);
        else
        {
            _cg!.Prepare(problem);
            r = _cg.Solve(_rhs, _x, 1e-4, 20000);
        }
        if (!_printed)
        {
            Console.WriteLine($"// {Case.Method} {Case.N}³: {r}");
            _printed = true;
        }
        return r.Iterations;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _refine?.Dispose();
        _cg?.Dispose();
        _mg?.Dispose();
        _b.Dispose();
    }
}
