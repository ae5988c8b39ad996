using PhaseFieldLi.Backends;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The host backend's vectorised stencil rows give bitwise the cell values of the per-cell rule that
/// every other backend runs (same operations in the same order), on grids whose rows hold several
/// vectors plus a tail, with Dirichlet, periodic and zero-flux faces and anisotropy.
/// </summary>
public class HostVectorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(37, 9, 11, false)]
    [InlineData(64, 6, 5, true)]
    public void VectorRowsMatchTheScalarRuleBitwise(int nx, int ny, int nz, bool faces)
    {
        using var backend = new HostBackend();
        var vector = new HostOperations(backend);
        var scalar = new Operations<HostView<float>, HostView<int>>(backend);
        var g = new GridShape(nx, ny, nz);
        var spec = faces
            ? new OperatorSpec(FaceKind.Dirichlet, FaceKind.ZeroFlux, FaceKind.Periodic, FaceKind.Periodic, FaceKind.ZeroFlux, FaceKind.Dirichlet, 1f, 3f, 0.5f)
            : OperatorSpec.Default;
        var random = new Random(7);
        float[] Values(float lo, float hi) => Enumerable.Range(0, g.Count).Select(_ => lo + (hi - lo) * (float)random.NextDouble()).ToArray();
        var sigmaValues = Values(0.01f, 2f);
        for (int n = 0; n < g.Count; n += 13) sigmaValues[n] = 1e-4f; // coefficient jumps
        var f = new Dictionary<string, PhaseFieldLi.Fields.Field<float>>();
        foreach (var (name, v) in new[] { ("sigma", sigmaValues), ("shift", Values(0f, 0.1f)), ("rhs", Values(-1f, 1f)), ("x", Values(-1f, 1f)) })
        {
            f[name] = backend.Float(name, g.Count);
            f[name].Upload(v);
        }
        var x0 = f["x"].ToArray();
        using var outA = backend.Float("a", g.Count);
        using var outB = backend.Float("b", g.Count);

        double mvA = vector.MatVec(g, spec, f["sigma"], f["shift"], f["x"], outA);
        double mvB = scalar.MatVec(g, spec, f["sigma"], f["shift"], f["x"], outB);
        Assert.Equal(outB.ToArray(), outA.ToArray());
        Assert.Equal(mvB, mvA, Math.Abs(mvB) * 1e-12);

        double rA = vector.Residual(g, spec, f["sigma"], f["shift"], f["rhs"], f["x"], outA);
        double rB = scalar.Residual(g, spec, f["sigma"], f["shift"], f["rhs"], f["x"], outB);
        Assert.Equal(outB.ToArray(), outA.ToArray());
        Assert.Equal(rB, rA, rB * 1e-12);

        for (int colour = 0; colour < 2; colour++) vector.GaussSeidel(g, spec, f["sigma"], f["shift"], f["rhs"], f["x"], colour);
        var afterVector = f["x"].ToArray();
        f["x"].Upload(x0);
        for (int colour = 0; colour < 2; colour++) scalar.GaussSeidel(g, spec, f["sigma"], f["shift"], f["rhs"], f["x"], colour);
        var afterScalar = f["x"].ToArray();
        Assert.Equal(afterScalar, afterVector);
        int changed = afterScalar.Zip(x0, (p, q) => p != q ? 1 : 0).Sum();
        output.WriteLine($"{nx}×{ny}×{nz}, {System.Numerics.Vector<float>.Count} lanes: mat-vec, residual and one GS sweep bitwise equal; GS changed {changed} of {g.Count} cells; p·q {mvA:R} vs {mvB:R}");
        Assert.True(changed > g.Count / 2);
        foreach (var field in f.Values) field.Dispose();
    }
}
