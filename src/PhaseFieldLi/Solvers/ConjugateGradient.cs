using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Solvers;

/// <summary>Outcome of one linear solve; a solve that misses its tolerance says so, it never returns silently.</summary>
public readonly record struct SolveReport(int Iterations, double InitialRelativeResidual, double RelativeResidual, bool Converged)
{
    public override string ToString() =>
        $"{(Converged ? "converged" : "NOT converged")} in {Iterations} iterations, relative residual {RelativeResidual:G3} (start {InitialRelativeResidual:G3})";
}

/// <summary>An SPD operator on device vectors, as CG needs it.</summary>
public interface ILinearOperator
{
    /// <summary>q = A p, and p·q into register <paramref name="register"/> of s (on a device: no host wait).</summary>
    void Apply(Field<float> p, Field<float> q, DeviceScalars s, int register);

    /// <summary>r = b − A x; returns r·r.</summary>
    double Residual(Field<float> b, Field<float> x, Field<float> r);
}

/// <summary>The operator A = −∇·(Aσ∇) + a on one grid (Helmholtz.cs), its coefficients on the device.</summary>
public sealed record HelmholtzProblem(GridShape Grid, Field<float> Sigma, Field<float> Shift, OperatorSpec Spec)
{
    /// <summary>Zero-flux faces, isotropic.</summary>
    public HelmholtzProblem(GridShape grid, Field<float> sigma, Field<float> shift) : this(grid, sigma, shift, OperatorSpec.Default) { }

    /// <summary>This problem as an operator run by ops.</summary>
    public ILinearOperator On(IOperations ops) => new Bound(this, ops);

    private sealed record Bound(HelmholtzProblem A, IOperations Ops) : ILinearOperator
    {
        public void Apply(Field<float> p, Field<float> q, DeviceScalars s, int register) =>
            Ops.MatVecInto(A.Grid, A.Spec, A.Sigma, A.Shift, p, q, s, register);
        public double Residual(Field<float> b, Field<float> x, Field<float> r) => Ops.Residual(A.Grid, A.Spec, A.Sigma, A.Shift, b, x, r);
    }
}

/// <summary>z ≈ A⁻¹ r. <see cref="Setup"/> runs whenever the coefficients change.</summary>
public interface IPreconditioner : IDisposable
{
    void Setup(HelmholtzProblem problem);
    void Apply(Field<float> r, Field<float> z);

    /// <summary>What it is, for the run's log.</summary>
    string Describe() => GetType().Name;

    /// <summary>An array of the fine grid that is free while the preconditioner runs, lent if it can use one.</summary>
    void UseScratch(Field<float> fineScratch) { }

    /// <summary>Bytes one application must move at least (counted, not measured; for the benchmark's bandwidth floor).</summary>
    double CountedBytesPerApply => 0;
}

/// <summary>z = D⁻¹ r with a diagonal computed by its owner (for operators other than Helmholtz).</summary>
public sealed class DiagonalPreconditioner(IOperations ops, Field<float> inverseDiagonal) : IPreconditioner
{
    public void Setup(HelmholtzProblem problem) { }
    public void Apply(Field<float> r, Field<float> z) => ops.Multiply(inverseDiagonal, r, z);
    public void Dispose() { }
}

/// <summary>Jacobi: z = D⁻¹ r.</summary>
public sealed class JacobiPreconditioner(Backend backend, IOperations ops, GridShape grid) : IPreconditioner
{
    private readonly Field<float> _invDiag = backend.Float("jacobi_inv_diag", grid.Count);

    public void Setup(HelmholtzProblem p) => ops.InverseDiagonal(p.Grid, p.Spec, p.Sigma, p.Shift, _invDiag);
    public void Apply(Field<float> r, Field<float> z) => ops.Multiply(_invDiag, r, z);
    public double CountedBytesPerApply => 12.0 * grid.Count; // D⁻¹, r read; z written
    public void Dispose() => _invDiag.Dispose();
}

/// <summary>
/// Preconditioned conjugate gradients, run entirely in backend kernels: per iteration one fused
/// mat-vec + dot, one fused update + two dots, the preconditioner, one dot and one direction update.
/// β is the flexible (Polak–Ribière) form, so a multigrid V-cycle whose restriction is not the
/// transpose of its prolongation is a valid preconditioner. Convergence: ‖b − A x‖₂ ≤ tolerance·‖b‖₂.
///
/// The host does not wait inside an iteration: the dots stay on the device (<see cref="DeviceScalars"/>),
/// α = r·z / p·Ap and β = (r·z − r·z_old) / r·z_prev are computed there by one thread each, and the rules
/// read them. The host waits once per iteration (or per <see cref="CheckEvery"/>), for r·r, where the
/// host-driven loop waited three times (p·Ap, then r·r with r·z_old, then r·z). α and β are the host's
/// own double arithmetic on the same sums, so the iterates are those of that loop to the bit.
/// </summary>
public sealed class ConjugateGradient(Backend backend, IOperations ops, int length, IPreconditioner preconditioner) : IDisposable
{
    private readonly Field<float> _r = backend.Float("cg_r", length);
    private readonly Field<float> _p = backend.Float("cg_p", length);
    private readonly Field<float> _q = LendToPreconditioner(backend.Float("cg_q", length), preconditioner);
    private readonly Field<float> _z = backend.Float("cg_z", length);
    private readonly DeviceScalars _s = backend.Scalars("cg_scalars", CgScalars.Registers, CgScalars.Coefficients);
    private ILinearOperator? _operator;

    /// <summary>CG for a Helmholtz problem on one grid.</summary>
    public ConjugateGradient(Backend backend, IOperations ops, GridShape grid, IPreconditioner preconditioner)
        : this(backend, ops, grid.Count, preconditioner) { }

    /// <summary>q (= A p) is dead while the preconditioner runs: a multigrid keeps its finest residual there.</summary>
    private static Field<float> LendToPreconditioner(Field<float> q, IPreconditioner preconditioner)
    {
        preconditioner.UseScratch(q);
        return q;
    }

    /// <summary>Per-cell work arrays of the CG iteration itself (for the memory budget).</summary>
    public static int FieldsPerCell => 4;

    public IPreconditioner Preconditioner => preconditioner;

    /// <summary>
    /// Iterations between two residual readbacks (the host's only wait in the loop): 1 by default, so a
    /// solve stops at the first iteration under its tolerance, as the host-driven loop did; k > 1 saves
    /// waits at up to k − 1 iterations more. Set by the environment variable PHASEFIELD_CG_CHECK_EVERY,
    /// for measuring on a device (at the quickstart's 2–7 MG-CG iterations per solve, whose residuals
    /// fall unevenly, predicting the last iteration from the rate so far overshot 14 % of iterations).
    /// </summary>
    public int CheckEvery { get; set; } = DefaultCheckEvery;

    private static readonly int DefaultCheckEvery =
        int.TryParse(Environment.GetEnvironmentVariable("PHASEFIELD_CG_CHECK_EVERY"), out int k) && k > 0 ? k : 1;

    /// <summary>
    /// Bytes one iteration must move at least, counted per cell: mat-vec (σ, a, p read, q written)
    /// 16 B, update (x, r read and written; p, q, z read) 28 B, r·z 8 B, p ← z + βp 12 B, plus the
    /// preconditioner's application. Stencil neighbours are counted once (cached).
    /// </summary>
    public double CountedBytesPerIteration => 64.0 * length + preconditioner.CountedBytesPerApply;

    /// <summary>Binds the operator; call again after its coefficients change.</summary>
    public void Prepare(HelmholtzProblem problem)
    {
        _operator = problem.On(ops);
        preconditioner.Setup(problem);
    }

    /// <summary>Binds any SPD operator; its preconditioner is set up by the caller.</summary>
    public void Prepare(ILinearOperator op) => _operator = op;

    public SolveReport Solve(Field<float> rhs, Field<float> x, double tolerance, int maxIterations)
    {
        var a = _operator ?? throw new InvalidOperationException("Prepare() the operator first");
        double bNorm = Math.Sqrt(ops.Dot(rhs, rhs));
        if (bNorm == 0) bNorm = 1;
        return Iterate(a, bNorm, Math.Sqrt(a.Residual(rhs, x, _r)) / bNorm, x, tolerance, maxIterations);
    }

    /// <summary>
    /// The same from x = 0 (a correction): r = b is a copy, not a mat-vec and a reduction as
    /// <see cref="Solve"/> would spend on b − A·0.
    /// </summary>
    public SolveReport SolveFromZero(Field<float> rhs, Field<float> x, double tolerance, int maxIterations)
    {
        var a = _operator ?? throw new InvalidOperationException("Prepare() the operator first");
        double bb = ops.Dot(rhs, rhs);
        ops.Fill(x, 0f);
        ops.Copy(rhs, _r);
        return Iterate(a, bb == 0 ? 1 : Math.Sqrt(bb), bb == 0 ? 0 : 1, x, tolerance, maxIterations);
    }

    private SolveReport Iterate(ILinearOperator a, double bNorm, double rel, Field<float> x, double tolerance, int maxIterations)
    {
        double initial = rel;
        int it = 0;
        if (rel <= tolerance) return new SolveReport(0, initial, rel, true);
        preconditioner.Apply(_r, _z);
        ops.DotInto(_r, _z, _s, CgScalars.Rz(0));
        ops.Copy(_z, _p);
        while (it < maxIterations)
        {
            int rz = CgScalars.Rz(it & 1), rzNext = CgScalars.Rz(1 - (it & 1));
            a.Apply(_p, _q, _s, CgScalars.PQ);
            // α = r·z / p·Ap, 0 at a breakdown (not SPD on this subspace, or a NaN): x and r stay put
            backend.Quotient(_s, new ScalarQuotient
            {
                Target = CgScalars.Alpha, Numerator = rz, Subtrahend = -1, Denominator = CgScalars.PQ, PositiveNumerator = 1,
            });
            ops.CgStep(_s, x, _r, _p, _q, _z, CgScalars.RR, CgScalars.RzOld);
            it++;
            if (it % CheckEvery == 0 || it == maxIterations)
            {
                var v = backend.ReadScalars(_s);
                rel = Math.Sqrt(v[CgScalars.RR]) / bNorm;
                if (rel <= tolerance || !(v[CgScalars.PQ] > 0) || !(v[rz] > 0)) break;
            }
            preconditioner.Apply(_r, _z);
            ops.DotInto(_r, _z, _s, rzNext);
            backend.Quotient(_s, new ScalarQuotient
            {
                Target = CgScalars.Beta, Numerator = rzNext, Subtrahend = CgScalars.RzOld, Denominator = rz, PositiveNumerator = 0,
            });
            ops.CgDirection(_s, _z, _p);
        }
        return new SolveReport(it, initial, rel, rel <= tolerance);
    }

    public void Dispose()
    {
        _r.Dispose();
        _p.Dispose();
        _q.Dispose();
        _z.Dispose();
        _s.Dispose();
        preconditioner.Dispose();
    }
}
