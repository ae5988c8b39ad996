using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// Geometric multigrid for −∇·(σ∇u) + a u = f on the cell-centred grid (zero-flux faces).
/// Manufactured solution u = cos(πx)cos(πy)cos(πz) on the unit cube (it satisfies the zero-flux
/// condition), with smooth σ or a σ jump across a plane, and the shift a = 1.
/// Float32 fields put a floor under the true relative residual that grows like N² (the solution is
/// stored to ε ≈ 6e-8 relative, the residual scales like h²f): measured ≈ 5e-6 at 32³, 2e-5 at 64³.
/// So tolerances here sit above that floor, the cycle count is judged by the residual reduction per
/// cycle before the floor, and the discretisation error (second order) is what is asserted.
/// 1e-8, as the issue asks, is reached by mixed-precision iterative refinement (IterativeRefinement).
/// </summary>
public class MultigridTests(ITestOutputHelper output)
{
    /// <summary>σ(x): smooth (1 + ½ sin) or a jump of `contrast` across x = 0.5 (at a face for even n).</summary>
    private static double Sigma(double x, double y, double z, double contrast) =>
        contrast > 0 ? (x < 0.5 ? 1.0 : contrast) : 1.0 + 0.5 * Math.Sin(2 * x + y) * Math.Cos(z);

    private sealed class Problem : IDisposable
    {
        public Backend B = null!;
        public IOperations Ops = null!;
        public GridShape G;
        public Field<float> Sigma = null!, Shift = null!, Rhs = null!, X = null!;
        public double[] Exact = null!;
        public void Dispose() => B.Dispose();
    }

    /// <summary>
    /// Builds the discrete problem whose exact solution is the cell-average-free point sample of u:
    /// f_c = Σ_f σ_f (u_c − u_n)/h²·(unit-spacing scaling) + a u_c is computed from the *continuous*
    /// flux −∇·(σ∇u) + a u at the cell centre, so the discretisation error is measured.
    /// For the jump case u is built piecewise so that σ∂u/∂x is continuous (flux continuity).
    /// </summary>
    private static Problem Build(string backend, int n, double contrast)
    {
        var p = new Problem { B = PhaseFieldLi.Backends.BackendCatalog.Create(backend), G = new GridShape(n, n, n) };
        p.Ops = p.B.CreateOperations();
        double h = 1.0 / n;
        int count = p.G.Count;
        var sigma = new float[count];
        var shift = new float[count];
        var rhs = new float[count];
        p.Exact = new double[count];
        for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
        {
            double x = (i + 0.5) * h, y = (j + 0.5) * h, z = (k + 0.5) * h;
            int idx = p.G.Index(i, j, k);
            double s = Sigma(x, y, z, contrast);
            var (u, f) = contrast > 0 ? JumpSolution(x, y, z, contrast) : SmoothSolution(x, y, z);
            // Unit-spacing operator: Σ σ_f (u_c − u_n) + a u_c = h² f with a = h²·1.
            sigma[idx] = (float)s;
            shift[idx] = (float)(h * h);
            rhs[idx] = (float)(h * h * f);
            p.Exact[idx] = u;
        }
        p.Sigma = p.B.Float("s", count); p.Sigma.Upload(sigma);
        p.Shift = p.B.Float("a", count); p.Shift.Upload(shift);
        p.Rhs = p.B.Float("f", count); p.Rhs.Upload(rhs);
        p.X = p.B.Float("x", count);
        return p;
    }

    // u = cos πx cos πy cos πz, σ smooth: f = −∇σ·∇u − σ∇²u + u.
    private static (double U, double F) SmoothSolution(double x, double y, double z)
    {
        double pi = Math.PI;
        double cx = Math.Cos(pi * x), cy = Math.Cos(pi * y), cz = Math.Cos(pi * z);
        double sx = Math.Sin(pi * x), sy = Math.Sin(pi * y), sz = Math.Sin(pi * z);
        double u = cx * cy * cz;
        double s = 1.0 + 0.5 * Math.Sin(2 * x + y) * Math.Cos(z);
        double dsx = Math.Cos(2 * x + y) * Math.Cos(z), dsy = 0.5 * Math.Cos(2 * x + y) * Math.Cos(z);
        double dsz = -0.5 * Math.Sin(2 * x + y) * Math.Sin(z);
        double ux = -pi * sx * cy * cz, uy = -pi * cx * sy * cz, uz = -pi * cx * cy * sz;
        double lap = -3 * pi * pi * u;
        return (u, -(dsx * ux + dsy * uy + dsz * uz) - s * lap + u);
    }

    // σ = 1 (x < ½), κ (x > ½). u = X(x) cos πy cos πz with X continuous, σX′ continuous, X′(0) = X′(1) = 0:
    // X = cos(πx) on the left; on the right X = cos(πx)/κ + c with c making X continuous at ½ (cos(π/2) = 0 → c = 0).
    private static (double U, double F) JumpSolution(double x, double y, double z, double kappa)
    {
        double pi = Math.PI;
        double s = x < 0.5 ? 1.0 : kappa;
        double X = Math.Cos(pi * x) / s;
        double u = X * Math.Cos(pi * y) * Math.Cos(pi * z);
        // −σ∇²u = −σ(−π²X − 2π²X)cos cos = 3π² σ X cos cos = 3π² cos(πx) cos cos.
        double f = 3 * pi * pi * Math.Cos(pi * x) * Math.Cos(pi * y) * Math.Cos(pi * z) + u;
        return (u, f);
    }

    private static double MaxError(Problem p)
    {
        var x = p.X.ToArray();
        double e = 0;
        for (int n = 0; n < x.Length; n++) e = Math.Max(e, Math.Abs(x[n] - p.Exact[n]));
        return e;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e4)]
    public void SecondOrderConvergenceOnManufacturedSolutions(double contrast)
    {
        var errors = new List<double>();
        foreach (int n in new[] { 16, 32, 64 })
        {
            using var p = Build("cpu", n, contrast);
            using var mg = new Multigrid(p.B, p.Ops, p.G);
            using var cg = new ConjugateGradient(p.B, p.Ops, p.G, mg);
            cg.Prepare(new HelmholtzProblem(p.G, p.Sigma, p.Shift));
            var report = cg.Solve(p.Rhs, p.X, 1e-5, 400);
            Assert.True(report.Converged, report.ToString());
            errors.Add(MaxError(p));
            output.WriteLine($"contrast {contrast:G3}, {n}³: max error {errors[^1]:E3}, {report}");
        }
        for (int r = 1; r < errors.Count; r++)
        {
            double order = Math.Log2(errors[r - 1] / errors[r]);
            output.WriteLine($"observed order {order:F2}");
            Assert.InRange(order, 1.8, 2.3);
        }
    }

    [Theory]
    [InlineData(CycleKind.V)]
    [InlineData(CycleKind.F)]
    public void ResidualReductionPerCycleIsIndependentOfGridSize(CycleKind kind)
    {
        var factors = new List<double>();
        foreach (int n in new[] { 32, 64, 128 })
        {
            using var p = Build("cpu", n, 0);
            using var mg = new Multigrid(p.B, p.Ops, p.G, cycle: kind);
            var history = new List<double>();
            var report = mg.Solve(new HelmholtzProblem(p.G, p.Sigma, p.Shift), p.Rhs, p.X, 1e-4, 30, history);
            double factor = Math.Pow(history[3] / history[0], 1.0 / 3);
            factors.Add(factor);
            output.WriteLine($"{kind}-cycle {n}³ ({mg.Levels} levels): {report}; mean reduction per cycle over 3 cycles {factor:F3}; " +
                             string.Join(" ", history.Select(h => h.ToString("E1"))));
            Assert.True(report.Converged, report.ToString());
            Assert.True(report.Iterations <= 8, report.ToString());
        }
        Assert.True(factors.Max() < 0.2, $"reduction factors {string.Join(", ", factors)}");
        Assert.True(factors.Max() - factors.Min() < 0.05, $"reduction factors {string.Join(", ", factors)}");
    }

    [Fact]
    public void MultigridPreconditionedCgHandlesCoefficientJumps()
    {
        foreach (int n in new[] { 24, 48 })
        {
            using var p = Build("cpu", n, 1e4);
            using var cg = new ConjugateGradient(p.B, p.Ops, p.G, new Multigrid(p.B, p.Ops, p.G));
            cg.Prepare(new HelmholtzProblem(p.G, p.Sigma, p.Shift));
            var report = cg.Solve(p.Rhs, p.X, 1e-4, 100);
            output.WriteLine($"MG-CG, σ jump 1e4, {n}³: {report}");
            Assert.True(report.Converged && report.Iterations <= 25, report.ToString());
        }
    }

    /// <summary>
    /// The issue's 1e-8: mixed-precision iterative refinement (float32 MG-CG corrections, residual of
    /// the pair x_hi + x_lo in double) on the 1e4 jump reaches 1e-8 relative residual at 32³, 64³
    /// and 128³ with a bounded, nearly constant number of MG-CG iterations. The residual is checked
    /// independently on the host in double from the downloaded pair. Float32 MG-CG alone stalls at
    /// its rounding floor (printed at 64³).
    /// </summary>
    [Fact]
    public void IterativeRefinementReachesOneEMinusEightInBoundedIterations()
    {
        var iterations = new List<int>();
        foreach (int n in new[] { 32, 64, 128 })
        {
            using var p = Build("cpu", n, 1e4);
            using var cg = new ConjugateGradient(p.B, p.Ops, p.G, new Multigrid(p.B, p.Ops, p.G));
            using var refine = new IterativeRefinement(p.B, p.Ops, p.G, cg);
            var problem = new HelmholtzProblem(p.G, p.Sigma, p.Shift);
            var report = refine.Solve(problem, p.Rhs, p.X, 1e-8);
            double independent = HostRelativeResidual(p, p.X.ToArray(), refine.Low.ToArray());
            output.WriteLine($"{n}³: {report.Iterations} refinement steps, {refine.InnerIterations} MG-CG iterations, " +
                             $"relative residual {report.RelativeResidual:E2} (host, double: {independent:E2}); max error {MaxError(p):E2}");
            Assert.True(report.Converged, report.ToString());
            Assert.InRange(independent, 0, 1.5e-8);
            iterations.Add(refine.InnerIterations);
            if (n == 64)
            {
                p.X.Fill(0f);
                cg.Prepare(problem);
                var plain = cg.Solve(p.Rhs, p.X, 1e-8, 60);
                double floor = HostRelativeResidual(p, p.X.ToArray(), new float[p.G.Count]);
                output.WriteLine($"  float32 MG-CG alone at 64³: its recursive residual says {plain.RelativeResidual:E2}, " +
                                 $"the true residual of its float iterate (host, double) is {floor:E2}");
                Assert.True(floor > 10 * independent, "refinement must beat the float32 floor");
            }
        }
        Assert.True(iterations.Max() <= 20, $"MG-CG iterations to 1e-8: {string.Join(", ", iterations)}");
        Assert.True(iterations[^1] <= iterations[0] + 4, $"MG-CG iterations to 1e-8 grow with N: {string.Join(", ", iterations)}");
    }

    /// <summary>‖b − A(x_hi + x_lo)‖/‖b‖ in double on the host, the operator written out independently.</summary>
    private static double HostRelativeResidual(Problem p, float[] hi, float[] lo)
    {
        var s = p.Sigma.ToArray();
        var a = p.Shift.ToArray();
        var b = p.Rhs.ToArray();
        var g = p.G;
        double rr = 0, bb = 0;
        for (int k = 0; k < g.Nz; k++)
        for (int j = 0; j < g.Ny; j++)
        for (int i = 0; i < g.Nx; i++)
        {
            int c = g.Index(i, j, k);
            double xc = (double)hi[c] + lo[c];
            double ax = (double)a[c] * xc;
            foreach (var (ok, nb) in new[] { (i > 0, c - 1), (i < g.Nx - 1, c + 1), (j > 0, c - g.Nx), (j < g.Ny - 1, c + g.Nx),
                         (k > 0, c - g.Plane), (k < g.Nz - 1, c + g.Plane) })
            {
                if (!ok) continue;
                float f = 2f * s[c] * s[nb] / (s[c] + s[nb]); // the operator's float face conductance
                ax += f * (xc - ((double)hi[nb] + lo[nb]));
            }
            rr += (b[c] - ax) * (b[c] - ax);
            bb += (double)b[c] * b[c];
        }
        return Math.Sqrt(rr / bb);
    }

    [Fact]
    public void NonPowerOfTwoGridsWork()
    {
        using var p = Build("cpu", 27, 0);
        using var mg = new Multigrid(p.B, p.Ops, p.G);
        var report = mg.Solve(new HelmholtzProblem(p.G, p.Sigma, p.Shift), p.Rhs, p.X, 1e-5, 40);
        output.WriteLine($"27³ ({string.Join(" → ", mg.Grids.Select(g => $"{g.Nx}"))}): {report}");
        Assert.True(report.Converged, report.ToString());
        Assert.True(MaxError(p) < 5e-3);
    }

    [Fact]
    public void MultigridGivesTheSameAnswerOnIlgpuEmulator()
    {
        using var a = Build("cpu", 12, 100);
        using var b = Build("ilgpu-cpu", 12, 100);
        foreach (var p in new[] { a, b })
        {
            using var cg = new ConjugateGradient(p.B, p.Ops, p.G, new Multigrid(p.B, p.Ops, p.G));
            cg.Prepare(new HelmholtzProblem(p.G, p.Sigma, p.Shift));
            Assert.True(cg.Solve(p.Rhs, p.X, 1e-6, 100).Converged);
        }
        var xa = a.X.ToArray();
        var xb = b.X.ToArray();
        double d = xa.Zip(xb, (u, v) => Math.Abs(u - v)).Max();
        output.WriteLine($"max |Δu| cpu vs ilgpu-cpu: {d:E2}");
        Assert.True(d < 1e-4);

        // The refinement kernels (double-arithmetic residual, pair update) on both backends.
        var pairs = new List<double[]>();
        foreach (var p in new[] { a, b })
        {
            p.X.Fill(0f);
            using var cg = new ConjugateGradient(p.B, p.Ops, p.G, new Multigrid(p.B, p.Ops, p.G));
            using var refine = new IterativeRefinement(p.B, p.Ops, p.G, cg);
            Assert.True(refine.Solve(new HelmholtzProblem(p.G, p.Sigma, p.Shift), p.Rhs, p.X, 1e-9).Converged);
            var hi = p.X.ToArray();
            var lo = refine.Low.ToArray();
            pairs.Add(hi.Select((h, n) => (double)h + lo[n]).ToArray());
        }
        double dr = pairs[0].Zip(pairs[1], (u, v) => Math.Abs(u - v)).Max();
        output.WriteLine($"refined to 1e-9: max |Δu| cpu vs ilgpu-cpu: {dr:E2}");
        Assert.True(dr < 1e-6);
    }

    /// <summary>
    /// Dirichlet (x = 0, 1), periodic (y) and zero-flux (z) faces with the cleavage-plane anisotropy
    /// A = I + β(I − M⊗M), M = x̂, β = 10, i.e. A = diag(1, 11, 11):
    /// u = sin πx cos 2πy cos πz, f = [π² + 11(4π² + π²) + 1] u. Second order under refinement.
    /// </summary>
    [Fact]
    public void DirichletPeriodicAndAnisotropicFacesConvergeAtSecondOrder()
    {
        const double beta = 10;
        var spec = new OperatorSpec(FaceKind.Dirichlet, FaceKind.Dirichlet, FaceKind.Periodic, FaceKind.Periodic,
            FaceKind.ZeroFlux, FaceKind.ZeroFlux, 1f, (float)(1 + beta), (float)(1 + beta));
        var errors = new List<double>();
        foreach (int n in new[] { 16, 32, 64 })
        {
            using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
            var ops = b.CreateOperations();
            var g = new GridShape(n, n, n);
            double h = 1.0 / n, pi = Math.PI;
            var rhs = new float[g.Count];
            var exact = new double[g.Count];
            for (int k = 0; k < n; k++)
            for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                double x = (i + 0.5) * h, y = (j + 0.5) * h, z = (k + 0.5) * h;
                double u = Math.Sin(pi * x) * Math.Cos(2 * pi * y) * Math.Cos(pi * z);
                int idx = g.Index(i, j, k);
                exact[idx] = u;
                rhs[idx] = (float)(h * h * (pi * pi + (1 + beta) * 5 * pi * pi + 1) * u);
            }
            var sigma = b.Float("s", g.Count); sigma.Fill(1f);
            var shift = b.Float("a", g.Count); shift.Fill((float)(h * h));
            var f = b.Float("f", g.Count); f.Upload(rhs);
            var xField = b.Float("x", g.Count);
            using var cg = new ConjugateGradient(b, ops, g, new PhaseFieldLi.Solvers.Multigrid(b, ops, g));
            cg.Prepare(new HelmholtzProblem(g, sigma, shift, spec));
            var report = cg.Solve(f, xField, 1e-5, 200);
            var xs = xField.ToArray();
            double err = 0;
            for (int c = 0; c < xs.Length; c++) err = Math.Max(err, Math.Abs(xs[c] - exact[c]));
            errors.Add(err);
            output.WriteLine($"{n}³ Dirichlet x / periodic y / zero-flux z, A = diag(1, 11, 11): max error {err:E3}, {report}");
            Assert.True(report.Converged && report.Iterations <= 30, report.ToString());
        }
        for (int r = 1; r < errors.Count; r++)
        {
            double order = Math.Log2(errors[r - 1] / errors[r]);
            output.WriteLine($"observed order {order:F2}");
            Assert.InRange(order, 1.8, 2.3);
        }
    }
}

/// <summary>
/// The elasticity multigrid's coarsest level solved directly (probed, banded Cholesky): the answer
/// satisfies A x = b to float precision, on both CPU backends, for a system with a Li-filled flaw
/// (a stiffness contrast) and prescribed rows.
/// </summary>
public abstract class ElasticCoarseDirectSolve(string backendName)
{
    [SkippableFact]
    public void TheProbedFactorSolvesTheOperator()
    {
        string toml = "physics = \"coupled\"\n" + CaseFileErrorTests.Good.Replace("cells = [8, 8, 16]", "cells = [4, 4, 16]") + $"""

            {CaseText.Box((0.0, 0.0, 10e-6), (4e-6, 4e-6, 16e-6), damage: 1.0, li: 1.0)}
            [mechanics]
            stack_pressure = 4.0e6
            [fracture]
            cleavage_normal = [1, 0, 0]
            anisotropy = 10.0
            """;
        var c = PhaseFieldLi.Cases.CaseReader.Parse(toml, "coarse-direct");
        using var backend = TestCases.BackendOrSkip(backendName);
        using var model = new PhaseFieldLi.Models.ElectrodepositionModel(c, backend);
        using var mechanics = new PhaseFieldLi.Models.FractureModel(model);
        var ops = model.Ops;
        var nodes = mechanics.Nodes;
        Assert.True(PhaseFieldLi.Solvers.ElasticCoarseDirectSolve.Fits(nodes));
        int n = 3 * nodes.Count;
        using var p = backend.Float("p", n);
        using var q = backend.Float("q", n);
        using var b = backend.Float("b", n);
        using var x = backend.Float("x", n);
        using var r = backend.Float("r", n);
        using var direct = new PhaseFieldLi.Solvers.ElasticCoarseDirectSolve(backend, ops, nodes);
        Assert.True(direct.Setup(mechanics.System, p, q));

        var random = new Random(7);
        var rhs = new float[n];
        for (int i = 0; i < n; i++) rhs[i] = (float)(random.NextDouble() - 0.5);
        b.Upload(rhs);
        direct.Solve(b, x);
        PhaseFieldLi.Solvers.ElasticSmoother.Residual(ops, mechanics.System, b, x, r);
        double relative = Math.Sqrt(ops.Dot(r, r) / ops.Dot(b, b));
        Assert.True(relative < 1e-5, $"relative residual {relative:E2}");
    }
}

public sealed class ElasticCoarseDirectSolveOnCpu() : ElasticCoarseDirectSolve("cpu");
public sealed class ElasticCoarseDirectSolveOnIlgpuCpu() : ElasticCoarseDirectSolve("ilgpu-cpu");
public sealed class ElasticCoarseDirectSolveOnCuda() : ElasticCoarseDirectSolve("cuda");
public sealed class ElasticCoarseDirectSolveOnOpenCl() : ElasticCoarseDirectSolve("opencl");
