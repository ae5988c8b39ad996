using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Solvers;

/// <summary>Outcome of one linear solve; a solve that misses its tolerance says so, it never returns silently.</summary>
public readonly record struct SolveReport(int Iterations, double InitialRelativeResidual, double RelativeResidual, bool Converged)
{
    public override string ToString() =>
        $"{(Converged ? "converged" : "NOT converged")} in {Iterations} iterations, relative residual {RelativeResidual:E2} (start {InitialRelativeResidual:E2})";
}

/// <summary>
/// Jacobi-preconditioned conjugate gradients for A x = b with A = −∇·(σ∇) + a (Helmholtz.cs), run
/// entirely in backend kernels; per iteration three fused passes and two scalar reductions.
/// Convergence: ‖b − A x‖₂ ≤ tolerance · ‖b‖₂. This is the interim potential solver; the geometric
/// multigrid of the multigrid issue replaces it as preconditioner.
/// </summary>
public sealed class ConjugateGradient(Backend backend, IOperations ops, GridShape grid) : IDisposable
{
    private readonly Field<float> _r = backend.Float("cg_r", grid.Count);
    private readonly Field<float> _p = backend.Float("cg_p", grid.Count);
    private readonly Field<float> _q = backend.Float("cg_q", grid.Count);
    private readonly Field<float> _invDiag = backend.Float("cg_inv_diag", grid.Count);

    /// <summary>Number of per-cell work arrays (for the memory budget).</summary>
    public static int FieldsPerCell => 4;

    public SolveReport Solve(Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        double tolerance, int maxIterations)
    {
        double bNorm = Math.Sqrt(ops.Dot(rhs, rhs));
        var (rz, rr) = ops.CgStart(grid, sigma, shift, rhs, x, _r, _p, _invDiag);
        if (bNorm == 0) bNorm = 1;
        double initial = Math.Sqrt(rr) / bNorm;
        double rel = initial;
        int it = 0;
        while (rel > tolerance && it < maxIterations)
        {
            double pq = ops.CgMatVec(grid, sigma, shift, _p, _q);
            if (!(pq > 0)) break; // breakdown: A not SPD on this subspace (or NaN)
            float alpha = (float)(rz / pq);
            var (rzNew, rrNew) = ops.CgUpdate(alpha, x, _r, _p, _q, _invDiag);
            it++;
            rel = Math.Sqrt(rrNew) / bNorm;
            if (rel <= tolerance) break;
            ops.CgDirection((float)(rzNew / rz), _r, _p, _invDiag);
            rz = rzNew;
        }
        return new SolveReport(it, initial, rel, rel <= tolerance);
    }

    public void Dispose()
    {
        _r.Dispose();
        _p.Dispose();
        _q.Dispose();
        _invDiag.Dispose();
    }
}
