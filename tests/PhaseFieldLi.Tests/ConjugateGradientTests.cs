using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Solvers;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// CG keeps its dots, α and β on the device and the host waits only to read r·r: once per iteration
/// (three times before, for p·Ap, r·r with r·z_old, and r·z). The problem: −∇·(σ∇x) + a x = b on 12³
/// cells, σ random over a decade, a = 10⁻², b random (seeded), Jacobi-preconditioned so that the
/// only waits are CG's own.
/// </summary>
public class ConjugateGradientTests(ITestOutputHelper output)
{
    private const int N = 12;
    private const double Tolerance = 1e-5;

    private sealed class Problem : IDisposable
    {
        public required Backend B;
        public required IOperations Ops;
        public required HelmholtzProblem A;
        public required Field<float> Rhs, X;
        public required float[] Sigma, Shift, B0;

        public void Dispose() => B.Dispose();
    }

    private static Problem Build(string backend)
    {
        var b = BackendCatalog.Create(backend);
        var g = new GridShape(N, N, N);
        var random = new Random(7);
        var sigma = new float[g.Count];
        var shift = new float[g.Count];
        var rhs = new float[g.Count];
        for (int c = 0; c < g.Count; c++)
        {
            sigma[c] = (float)Math.Pow(10, random.NextDouble());
            shift[c] = 1e-2f;
            rhs[c] = (float)(random.NextDouble() - 0.5);
        }
        Field<float> Up(string name, float[] values)
        {
            var f = b.Float(name, g.Count);
            f.Upload(values);
            return f;
        }
        return new Problem
        {
            B = b, Ops = b.CreateOperations(), A = new HelmholtzProblem(g, Up("sigma", sigma), Up("shift", shift)),
            Rhs = Up("rhs", rhs), X = b.Float("x", g.Count), Sigma = sigma, Shift = shift, B0 = rhs,
        };
    }

    /// <summary>‖b − A x‖/‖b‖ on the host in double, from the downloaded x (independent of the device's sums).</summary>
    private static double HostRelativeResidual(Problem p, float[] x)
    {
        var g = p.A.Grid;
        double rr = 0, bb = 0;
        for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
        {
            int c = g.Index(i, j, k);
            double ax = p.Shift[c] * (double)x[c];
            foreach (var (di, dj, dk) in new[] { (1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1) })
            {
                int ni = i + di, nj = j + dj, nk = k + dk;
                if (ni < 0 || nj < 0 || nk < 0 || ni >= N || nj >= N || nk >= N) continue; // zero flux
                int n = g.Index(ni, nj, nk);
                double face = 2.0 * p.Sigma[c] * p.Sigma[n] / (p.Sigma[c] + p.Sigma[n]); // harmonic mean
                ax += face * ((double)x[c] - x[n]);
            }
            rr += (p.B0[c] - ax) * (p.B0[c] - ax);
            bb += (double)p.B0[c] * p.B0[c];
        }
        return Math.Sqrt(rr / bb);
    }

    private static (SolveReport Report, long Syncs, float[] X) Solve(Problem p, int checkEvery)
    {
        using var cg = new ConjugateGradient(p.B, p.Ops, p.A.Grid, new JacobiPreconditioner(p.B, p.Ops, p.A.Grid)) { CheckEvery = checkEvery };
        cg.Prepare(p.A);
        p.Ops.Fill(p.X, 0f);
        long before = p.B.Counts.Syncs;
        var report = cg.Solve(p.Rhs, p.X, Tolerance, 500);
        return (report, p.B.Counts.Syncs - before, p.X.ToArray());
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void TheHostWaitsOncePerIterationAndTheAnswerMeetsTheTolerance(string backend)
    {
        using var p = Build(backend);
        var (report, syncs, x) = Solve(p, checkEvery: 1);
        double residual = HostRelativeResidual(p, x);
        output.WriteLine($"{backend}: {report}; {syncs} syncs; host residual {residual:E3}");
        Assert.True(report.Converged);
        Assert.InRange(report.Iterations, 10, 499);
        // ‖b‖ and the start's residual, then r·r once per iteration
        Assert.Equal(report.Iterations + 2, syncs);
        // the float iterate's true residual: the device's recurrence plus float rounding of x
        Assert.InRange(residual, 0, 2 * Tolerance);
    }

    [Fact]
    public void CheckingEveryThirdIterationStopsWithinTwoMoreAndWaitsAThirdAsOften()
    {
        using var p = Build("cpu");
        var every = Solve(p, checkEvery: 1);
        var third = Solve(p, checkEvery: 3);
        output.WriteLine($"every iteration: {every.Report}, {every.Syncs} syncs; every third: {third.Report}, {third.Syncs} syncs");
        Assert.True(third.Report.Converged);
        Assert.InRange(third.Report.Iterations, every.Report.Iterations, every.Report.Iterations + 2);
        Assert.Equal(third.Report.Iterations / 3 + 2, third.Syncs);
        // up to the last common iteration the iterates are the same: the extra ones only reduce the residual
        Assert.InRange(HostRelativeResidual(p, third.X), 0, HostRelativeResidual(p, every.X) * 1.0001);
    }

    [Fact]
    public void IlgpuRunsTheSameIterationsAsTheHost()
    {
        using var host = Build("cpu");
        using var device = Build("ilgpu-cpu");
        var a = Solve(host, checkEvery: 1);
        var b = Solve(device, checkEvery: 1);
        Assert.Equal(a.Report.Iterations, b.Report.Iterations);
        double scale = a.X.Max(Math.Abs);
        Assert.All(a.X.Zip(b.X), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-5 * scale));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void ABreakdownStopsTheSolveWithoutSpreadingNaNIntoX(string backend)
    {
        using var p = Build(backend);
        var rhs = (float[])p.B0.Clone();
        rhs[100] = float.NaN;
        p.Rhs.Upload(rhs);
        var (report, _, x) = Solve(p, checkEvery: 1);
        output.WriteLine($"{backend}: {report}");
        Assert.False(report.Converged);
        Assert.Equal(1, report.Iterations); // α = 0 (r·z is NaN): the step leaves x, and the check stops it
        Assert.All(x, v => Assert.Equal(0f, v));
    }
}
