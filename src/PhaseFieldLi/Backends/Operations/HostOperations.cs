using System.Numerics;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>
/// The host backend's operations: the same per-cell rules as every backend, except the three
/// Helmholtz stencil passes that dominate a step (red–black Gauss–Seidel, residual, CG mat-vec),
/// which run row by row with System.Numerics.Vector&lt;float&gt; on the interior cells of each interior
/// row. The vector code is <see cref="Helmholtz.Apply{TF}(in GridShape, in OperatorSpec, in TF, in TF, in TF, int, int, int, int, out float)"/>
/// lane by lane, in the same order of operations (same faces, same harmonic mean 2ab/(a+b), no fused
/// multiply–add), so cell values are bitwise those of the scalar rule; only the order in which the
/// global sums add up differs. Boundary rows and the first and last cell of a row use the rule itself.
/// On a rank's slab the passes run on its owned planes [firstPlane, firstPlane + planes) only, with
/// the red–black colour taken in global z, and return the rank's part of the sum.
/// </summary>
public sealed unsafe class HostOperations(HostBackend b, int firstPlane = 0, int planes = -1, IHaloExchange? halo = null)
    : Operations<HostView<float>, HostView<int>>(b, halo)
{
    private const int RowsPerBlock = 64;
    private static readonly int W = Vector<float>.Count;

    private enum Pass { GaussSeidel, Residual, MatVec }

    private double[] _partials = [];

    public override double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q)
    {
        Halo.FillGhosts(p); // neighbour reads: p
        return Run(Pass.MatVec, g, spec, sigma, shift, p, null, q, 0, sync: true);
    }

    public override void MatVecInto(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q,
        DeviceScalars s, int register)
    {
        Halo.FillGhosts(p); // neighbour reads: p
        ((HostScalars)s).Values[register] = Run(Pass.MatVec, g, spec, sigma, shift, p, null, q, 0, sync: false);
    }

    public override double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        Field<float> r, bool norm = true)
    {
        Halo.FillGhosts(x); // neighbour reads: x
        double rr = Run(Pass.Residual, g, spec, sigma, shift, x, rhs, r, 0, sync: norm);
        return norm ? rr : double.NaN;
    }

    public override void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        int colour)
    {
        Halo.FillGhosts(x); // neighbour reads: x (a colour reads the other colour's cells)
        Run(Pass.GaussSeidel, g, spec, sigma, shift, x, rhs, null, colour, sync: false);
    }

    private double Run(Pass pass, GridShape g, OperatorSpec spec, Field<float> sigmaField, Field<float> shiftField, Field<float> xField,
        Field<float>? rhsField, Field<float>? outField, int colour, bool sync)
    {
        b.Counts.Launch();
        if (sync) b.Counts.Sync(); // the host waits for the pass's sum (a device runs the other passes without one)
        var sigma = b.View(sigmaField);
        var shift = b.View(shiftField);
        var x = b.View(xField);
        var rhs = rhsField != null ? b.View(rhsField) : default;
        var output = outField != null ? b.View(outField) : default;
        int rows = g.Ny * (planes < 0 ? g.Nz : planes), blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
        if (_partials.Length < blocks) _partials = new double[blocks];
        var partials = _partials;
        Parallel.For(0, blocks, blk =>
        {
            double sum = 0;
            int end = Math.Min(rows, (blk + 1) * RowsPerBlock);
            for (int row = blk * RowsPerBlock; row < end; row++)
            {
                int k = firstPlane + row / g.Ny, j = row % g.Ny, row0 = (k * g.Ny + j) * g.Nx;
                bool interior = j > 0 && j < g.Ny - 1 && k > 0 && k < g.Nz - 1 && g.Nx >= W + 2;
                int vectorEnd = interior ? 1 + (g.Nx - 2) / W * W : 0; // cells [1, vectorEnd) go by vector
                for (int i = 0; i < g.Nx; i++)
                {
                    if (i == 1 && vectorEnd > 1)
                    {
                        sum += Rows(pass, g, spec, sigma.Pointer, shift.Pointer, x.Pointer, rhs.Pointer, output.Pointer, colour,
                            row0, 1, vectorEnd, j, k);
                        i = vectorEnd - 1;
                        continue;
                    }
                    sum += Scalar(pass, g, spec, sigma, shift, x, rhs, output, colour, row0 + i, i, j, k);
                }
            }
            partials[blk] = sum;
        });
        double total = 0;
        for (int blk = 0; blk < blocks; blk++) total += partials[blk];
        return total;
    }

    private static double Scalar(Pass pass, GridShape g, OperatorSpec spec, HostView<float> sigma, HostView<float> shift, HostView<float> x,
        HostView<float> rhs, HostView<float> output, int colour, int idx, int i, int j, int k)
    {
        if (pass == Pass.GaussSeidel)
        {
            if (((i + j + k + g.ZOffset) & 1) != colour) return 0; // global parity: the same colours on every slab
            float ax = Helmholtz.Apply(g, spec, sigma, shift, x, idx, i, j, k, out float diag);
            x[idx] += (rhs[idx] - ax) / diag;
            return 0;
        }
        float a = Helmholtz.Apply(g, spec, sigma, shift, x, idx, i, j, k, out _);
        if (pass == Pass.MatVec)
        {
            output[idx] = a;
            return (double)x[idx] * a;
        }
        float r = rhs[idx] - a;
        output[idx] = r;
        return (double)r * r;
    }

    /// <summary>Cells [from, to) of an interior row, W at a time.</summary>
    private static double Rows(Pass pass, GridShape g, OperatorSpec spec, float* sigma, float* shift, float* x, float* rhs, float* output,
        int colour, int row0, int from, int to, int j, int k)
    {
        var two = new Vector<float>(2f);
        var ax = new Vector<float>(spec.Ax);
        var ay = new Vector<float>(spec.Ay);
        var az = new Vector<float>(spec.Az);
        int nx = g.Nx, plane = g.Plane;
        // Lanes of one colour: lane l holds cell i0 + l, of colour (i0 + l + j + k + ZOffset) & 1.
        Span<int> even = stackalloc int[W];
        for (int l = 0; l < W; l++) even[l] = (l & 1) == 0 ? -1 : 0;
        var evenLanes = new Vector<int>(even);
        var sumLanes = Vector<double>.Zero;
        for (int i0 = from; i0 < to; i0 += W)
        {
            int c = row0 + i0;
            var s = Vector.Load(sigma + c);
            var xc = Vector.Load(x + c);
            var a = Vector.Load(shift + c);
            var acc = a * xc;
            var diag = a;
            Face(ax, two, s, xc, sigma + c - 1, x + c - 1, ref acc, ref diag);
            Face(ax, two, s, xc, sigma + c + 1, x + c + 1, ref acc, ref diag);
            Face(ay, two, s, xc, sigma + c - nx, x + c - nx, ref acc, ref diag);
            Face(ay, two, s, xc, sigma + c + nx, x + c + nx, ref acc, ref diag);
            Face(az, two, s, xc, sigma + c - plane, x + c - plane, ref acc, ref diag);
            Face(az, two, s, xc, sigma + c + plane, x + c + plane, ref acc, ref diag);
            if (pass == Pass.GaussSeidel)
            {
                var updated = xc + (Vector.Load(rhs + c) - acc) / diag;
                var mine = ((i0 + j + k + g.ZOffset) & 1) == colour ? evenLanes : ~evenLanes;
                Vector.ConditionalSelect(Vector.AsVectorSingle(mine), updated, xc).Store(x + c);
            }
            else if (pass == Pass.MatVec)
            {
                acc.Store(output + c);
                Accumulate(ref sumLanes, xc, acc);
            }
            else
            {
                var r = Vector.Load(rhs + c) - acc;
                r.Store(output + c);
                Accumulate(ref sumLanes, r, r);
            }
        }
        return Vector.Sum(sumLanes);
    }

    /// <summary>f = A·(2 s s_n)/(s + s_n); acc += f (x_c − x_n); diag += f — Helmholtz.Face lane by lane.</summary>
    private static void Face(Vector<float> anisotropy, Vector<float> two, Vector<float> s, Vector<float> xc, float* sigmaN, float* xN,
        ref Vector<float> acc, ref Vector<float> diag)
    {
        var sn = Vector.Load(sigmaN);
        var f = anisotropy * (two * s * sn / (s + sn));
        acc += f * (xc - Vector.Load(xN));
        diag += f;
    }

    private static void Accumulate(ref Vector<double> sum, Vector<float> u, Vector<float> v)
    {
        Vector.Widen(u, out var u0, out var u1);
        Vector.Widen(v, out var v0, out var v1);
        sum += u0 * v0 + u1 * v1;
    }
}
