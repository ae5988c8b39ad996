using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// Mixed-precision iterative refinement around the float32 multigrid-CG: the solution is carried
/// as a float pair x = x_hi + x_lo, the residual r = b − A x is evaluated with double arithmetic
/// (Helmholtz.ApplyPrecise), and each outer step solves A e = r to a loose tolerance in float32 and
/// adds e to the pair. The relative residual it reports is that of the pair, so it can reach 1e-8
/// where a float32 iterate stalls at its rounding floor. The corrections come from MG-CG, plain
/// multigrid or any other float32 solver (the constructors), so the float32 solvers can be compared
/// at 1e-8 (≈ 2e-5 at 64³ and growing like N² with a
/// 1e4 conductivity jump). Storage: three float arrays on top of the inner solver's; x_hi is the
/// float nearest the refined solution.
/// </summary>
public sealed class IterativeRefinement(Backend backend, IOperations ops, GridShape grid,
    Func<HelmholtzProblem, Field<float>, Field<float>, double, SolveReport> correction) : IDisposable
{
    private readonly Field<float> _lo = backend.Float("refine_x_lo", grid.Count);
    private readonly Field<float> _r = backend.Float("refine_r", grid.Count);
    private readonly Field<float> _e = backend.Float("refine_e", grid.Count);

    /// <summary>Corrections by multigrid-preconditioned (or any) CG.</summary>
    public IterativeRefinement(Backend backend, IOperations ops, GridShape grid, ConjugateGradient inner, int maxInner = 1000)
        : this(backend, ops, grid, PreparedOnce(inner, maxInner))
    {
    }

    /// <summary>CG corrections that set the operator up once per problem, not once per refinement step.</summary>
    private static Func<HelmholtzProblem, Field<float>, Field<float>, double, SolveReport> PreparedOnce(ConjugateGradient inner, int maxInner)
    {
        HelmholtzProblem? prepared = null;
        return (problem, r, e, tolerance) =>
        {
            if (!ReferenceEquals(prepared, problem)) inner.Prepare(problem);
            prepared = problem;
            return inner.Solve(r, e, tolerance, maxInner);
        };
    }

    /// <summary>Corrections by plain multigrid cycles.</summary>
    public IterativeRefinement(Backend backend, IOperations ops, GridShape grid, Multigrid inner, int maxCycles = 100)
        : this(backend, ops, grid, (problem, r, e, tolerance) => inner.Solve(problem, r, e, tolerance, maxCycles))
    {
    }

    /// <summary>Inner (float32) tolerance of each correction solve.</summary>
    public double InnerTolerance { get; init; } = 1e-4;

    /// <summary>The low part of the last solution (x = x_hi + x_lo).</summary>
    public Field<float> Low => _lo;

    /// <summary>Inner iterations (CG iterations or multigrid cycles) over all outer steps of the last solve.</summary>
    public int InnerIterations { get; private set; }

    /// <summary>
    /// Solves A x = b from the float guess x (x_lo starts at 0) to the relative residual tolerance of
    /// the pair; Iterations in the report counts outer steps.
    /// </summary>
    public SolveReport Solve(HelmholtzProblem problem, Field<float> rhs, Field<float> x, double tolerance, int maxOuter = 20)
    {
        ops.Fill(_lo, 0f);
        InnerIterations = 0;
        double bNorm = Math.Sqrt(ops.Dot(rhs, rhs));
        if (bNorm == 0) bNorm = 1;
        double initial = double.NaN, relative = double.NaN;
        for (int outer = 0; outer <= maxOuter; outer++)
        {
            relative = Math.Sqrt(ops.PreciseResidual(grid, problem.Spec, problem.Sigma, problem.Shift, rhs, x, _lo, _r)) / bNorm;
            if (outer == 0) initial = relative;
            if (relative <= tolerance) return new SolveReport(outer, initial, relative, true);
            if (outer == maxOuter || !double.IsFinite(relative)) break;
            ops.Fill(_e, 0f);
            var step = correction(problem, _r, _e, InnerTolerance);
            InnerIterations += step.Iterations;
            ops.AddCorrection(x, _lo, _e);
        }
        return new SolveReport(maxOuter, initial, relative, false);
    }

    public void Dispose()
    {
        _lo.Dispose();
        _r.Dispose();
        _e.Dispose();
    }
}
