using PhaseFieldLi.Backends;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The coarsest multigrid level solved by banded Cholesky on the host (CoarseDirectSolve), or on the
/// device by the factor's dense inverse where the level is small: it solves
/// the level's own operator (the same face walk as the device's mat-vec) to float precision, with a
/// 10⁴ conductivity jump, Dirichlet and periodic x/y faces; it hands periodic-z and singular levels to
/// its fallback; and as the coarsest solve of a multigrid preconditioner it takes no more MG-CG
/// iterations than Jacobi-PCG to 1e-3, with far fewer host syncs.
/// </summary>
public class CoarseDirectSolveTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private sealed class Recorder : Multigrid.ICoarsestSolve
    {
        public int Setups, Solves;
        public bool SetsLastWeights => false;
        public void Setup(Multigrid.Level last, OperatorSpec spec) => Setups++;
        public void Solve(Multigrid.Level last, OperatorSpec spec) => Solves++;
        public void Dispose() { }
    }

    private static (double Relative, bool Direct, Recorder Fallback) SolveOnce(GridShape g, OperatorSpec spec, bool singular) =>
        SolveOnce(g, spec, singular, "cpu").Report;

    private static ((double Relative, bool Direct, Recorder Fallback) Report, bool OnDevice, long SolveSyncs) SolveOnce(GridShape g,
        OperatorSpec spec, bool singular, string backend)
    {
        using var b = BackendCatalog.Create(backend);
        var ops = b.CreateOperations();
        var rng = new Random(7);
        var sigma = new float[g.Count];
        var shift = new float[g.Count];
        var rhs = new float[g.Count];
        for (int n = 0; n < g.Count; n++)
        {
            g.Decompose(n, out int i, out _, out _);
            sigma[n] = (i < g.Nx / 2 ? 1f : 1e4f) * (float)(0.5 + rng.NextDouble());
            shift[n] = singular ? 0f : (float)(1e-3 * rng.NextDouble());
            rhs[n] = (float)(rng.NextDouble() - 0.5);
        }
        if (singular)
        {
            double mean = rhs.Average(v => (double)v);
            for (int n = 0; n < g.Count; n++) rhs[n] -= (float)mean;
        }
        var level = new Multigrid.Level(g, new WholeGrid(g), ops)
        {
            Sigma = b.Float("s", g.Count), Shift = b.Float("a", g.Count), Rhs = b.Float("b", g.Count), X = b.Float("x", g.Count),
        };
        level.Sigma.Upload(sigma);
        level.Shift.Upload(shift);
        level.Rhs.Upload(rhs);
        var fallback = new Recorder();
        using var solve = new CoarseDirectSolve(b, g, fallback);
        solve.Setup(level, spec);
        long before = b.Counts.Syncs;
        solve.Solve(level, spec);
        long syncs = b.Counts.Syncs - before;
        using var r = b.Float("r", g.Count);
        double rr = ops.Residual(g, spec, level.Sigma, level.Shift, level.Rhs, level.X, r);
        double bb = ops.Dot(level.Rhs, level.Rhs);
        return ((Math.Sqrt(rr / bb), solve.IsDirect, fallback), solve.OnDevice, syncs);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void ASmallLevelIsSolvedByItsDenseInverseOnTheDeviceWithoutAWait(string backend)
    {
        var g = new GridShape(4, 4, 8); // the coarsest level of 32 × 32 × 64 and of 256 × 256 × 512
        var spec = OperatorSpec.Default with { XLow = FaceKind.Periodic, XHigh = FaceKind.Periodic, ZLow = FaceKind.Dirichlet, Az = 2f };
        var ((relative, direct, fallback), onDevice, syncs) = SolveOnce(g, spec, singular: false, backend);
        output.WriteLine($"{backend}, 4 × 4 × 8, 10⁴ jump: relative residual {relative:E2}, {syncs} syncs in the solve");
        Assert.True(direct && onDevice);
        Assert.Equal(0, fallback.Solves);
        Assert.Equal(0, syncs);
        Assert.True(relative < 1e-5, $"relative residual {relative:E2}");
    }

    [Fact]
    public void TheDirectSolveMeetsFloatPrecisionOnAJumpWithDirichletAndPeriodicXYFaces()
    {
        var g = new GridShape(6, 5, 16);
        var spec = OperatorSpec.Default with { XLow = FaceKind.Periodic, XHigh = FaceKind.Periodic, ZLow = FaceKind.Dirichlet, Az = 2f };
        var (relative, direct, fallback) = SolveOnce(g, spec, singular: false);
        output.WriteLine($"6 × 5 × 16, 10⁴ jump: relative residual {relative:E2} (float32 mat-vec of the float32 answer)");
        Assert.True(direct);
        Assert.Equal(0, fallback.Solves);
        Assert.True(relative < 1e-5, $"relative residual {relative:E2}");
    }

    [Fact]
    public void PeriodicZAndSingularLevelsGoToTheFallback()
    {
        var periodicZ = OperatorSpec.Default with { ZLow = FaceKind.Periodic, ZHigh = FaceKind.Periodic };
        var (_, direct, fallback) = SolveOnce(new GridShape(4, 4, 8), periodicZ, singular: false);
        Assert.False(direct);
        Assert.Equal((1, 1), (fallback.Setups, fallback.Solves));
        (_, direct, fallback) = SolveOnce(new GridShape(4, 4, 8), OperatorSpec.Default, singular: true); // zero flux, a = 0
        Assert.False(direct);
        Assert.Equal((1, 1), (fallback.Setups, fallback.Solves));
    }

    [Fact]
    public void AsTheCoarsestSolveItNeedsNoMoreMgCgIterationsAndFarFewerSyncs()
    {
        var g = new GridShape(32, 32, 64);
        (int Iterations, long Syncs) Run(bool direct)
        {
            using var b = BackendCatalog.Create("cpu");
            var ops = b.CreateOperations();
            var sigma = new float[g.Count];
            var shift = new float[g.Count];
            var rhs = new float[g.Count];
            for (int n = 0; n < g.Count; n++)
            {
                g.Decompose(n, out int i, out int j, out int k);
                sigma[n] = k < g.Nz / 2 ? 1f : 1e3f;
                shift[n] = i == 3 && j == 5 ? 1e-2f : 0f;
                rhs[n] = MathF.Sin(0.3f * i + 0.2f * j) * MathF.Cos(0.1f * k);
            }
            using var s = b.Float("s", g.Count);
            using var a = b.Float("a", g.Count);
            using var f = b.Float("f", g.Count);
            using var x = b.Float("x", g.Count);
            s.Upload(sigma);
            a.Upload(shift);
            f.Upload(rhs);
            using var cg = new ConjugateGradient(b, ops, g, new Multigrid(b, ops, g, coarseDirect: direct));
            cg.Prepare(new HelmholtzProblem(g, s, a));
            var before = b.Counts.Now;
            var report = cg.Solve(f, x, 1e-6, 200);
            output.WriteLine($"coarsest {(direct ? "direct" : "Jacobi-PCG")}: {report}, {b.Counts.Now.Syncs - before.Syncs} syncs");
            Assert.True(report.Converged);
            return (report.Iterations, b.Counts.Now.Syncs - before.Syncs);
        }
        var iterative = Run(direct: false);
        var exact = Run(direct: true);
        Assert.True(exact.Iterations <= iterative.Iterations, $"{exact.Iterations} > {iterative.Iterations} MG-CG iterations");
        Assert.True(exact.Syncs * 4 < iterative.Syncs, $"{exact.Syncs} syncs against {iterative.Syncs}");
        // the coarsest level (4 × 4 × 8) applies its inverse on the device: the solve waits for ‖b‖, its start's
        // residual and one r·r per iteration, nothing else
        Assert.Equal(exact.Iterations + 2, exact.Syncs);
    }
}
