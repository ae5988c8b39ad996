using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Backends;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// The coarsest level of the elasticity multigrid solved exactly on the host, in place of Jacobi-PCG
/// to 1e-2 (three host waits per CG iteration, 45–50 per elastic MG-CG iteration; bench/README.md,
/// "Coupled cases").
///
/// Set-up (once per elastic system): the level's operator A (K on free rows, identity on prescribed
/// ones, SPD; <see cref="ElasticSmoother.Operator"/>) is probed with 81 vectors: one per node colour
/// (i mod 3, j mod 3, k mod 3) and displacement component. A Q1 node couples only to the 27 nodes
/// around it, and those have 27 different colours, so A·probe at node m, component c′ is the entry
/// A[(m, c′), (n, c)] of the one node n of that colour next to m. The entries go into a banded matrix
/// in double, in node-interleaved order (dof 3·node + c, half-bandwidth 3·(Nx Ny + Nx + 1) + 2 in nodes
/// Nx × Ny × Nz), which banded Cholesky factors. Solve: where the level is small
/// (<see cref="DenseCoarseInverse.Fits"/>), the factor's inverse kept dense on the device, applied
/// without the host; else the right-hand side downloaded, two triangular sweeps, x uploaded — one host
/// wait per V-cycle. Falls back (Setup returns false) when the band
/// work exceeds <see cref="MaxBandWork"/> or the matrix is not positive definite to working precision.
/// </summary>
public sealed class ElasticCoarseDirectSolve(Backend backend, IOperations ops, GridShape nodes) : IDisposable
{
    /// <summary>Largest n·b² (factorisation flops) solved directly.</summary>
    public const double MaxBandWork = 5e7;

    private readonly int _n = 3 * nodes.Count, _band = 3 * (nodes.Nx * nodes.Ny + nodes.Nx + 1) + 2;
    private double[]? _factor; // row i, column j ≥ i − b at [i * (b + 1) + (i − j)]
    private readonly float[] _probe = new float[3 * nodes.Count], _response = new float[3 * nodes.Count];
    private readonly double[] _work = new double[3 * nodes.Count];
    private readonly DenseCoarseInverse? _inverse = DenseCoarseInverse.Fits(3 * nodes.Count, 3 * (nodes.Nx * nodes.Ny + nodes.Nx + 1) + 2)
        ? new DenseCoarseInverse(backend, 3 * nodes.Count)
        : null;

    /// <summary>Whether a solve applies the inverse on the device (no host wait).</summary>
    public bool OnDevice => _inverse != null;

    /// <summary>Whether these nodes' band is small enough to factor.</summary>
    public static bool Fits(GridShape nodes)
    {
        double n = 3.0 * nodes.Count, b = 3.0 * (nodes.Nx * nodes.Ny + nodes.Nx + 1) + 2;
        return n * b * b <= MaxBandWork;
    }

    /// <summary>Probes and factors system m's operator with scratch fields p and q (3 per node); false: not factored.</summary>
    public bool Setup(in ElasticSystem m, Field<float> p, Field<float> q)
    {
        if (!Fits(nodes)) return false;
        int n = _n, w = _band + 1, count = nodes.Count;
        var a = _factor ??= new double[(long)n * w];
        Array.Clear(a);
        for (int colour = 0; colour < 27; colour++)
        {
            int ci = colour % 3, cj = colour / 3 % 3, ck = colour / 9;
            for (int c = 0; c < 3; c++)
            {
                Array.Clear(_probe);
                for (int node = 0; node < count; node++)
                {
                    nodes.Decompose(node, out int i, out int j, out int k);
                    if (i % 3 == ci && j % 3 == cj && k % 3 == ck) _probe[node + c * count] = 1f;
                }
                p.Upload(_probe);
                ElasticSmoother.Operator(ops, m, p, q);
                q.Download(_response);
                for (int row = 0; row < count; row++)
                {
                    nodes.Decompose(row, out int i, out int j, out int k);
                    // The node of this colour next to row (one per axis among i − 1, i, i + 1), if inside.
                    int ni = Neighbour(i, ci, nodes.Nx), nj = Neighbour(j, cj, nodes.Ny), nk = Neighbour(k, ck, nodes.Nz);
                    if (ni < 0 || nj < 0 || nk < 0) continue;
                    int col = 3 * nodes.Index(ni, nj, nk) + c;
                    for (int cr = 0; cr < 3; cr++)
                    {
                        int r = 3 * row + cr;
                        if (col <= r) a[r * w + (r - col)] = _response[row + cr * count];
                    }
                }
            }
        }
        if (!Factor(a, n, _band)) return false;
        _inverse?.Set(a, _band, i => i / 3 + i % 3 * count); // band order is node-interleaved, the fields component-blocked
        return true;
    }

    private static int Neighbour(int i, int colour, int size)
    {
        for (int d = -1; d <= 1; d++)
        {
            int x = i + d;
            if (x >= 0 && x < size && x % 3 == colour) return x;
        }
        return -1;
    }

    private static bool Factor(double[] a, int n, int b)
    {
        int w = b + 1;
        for (int i = 0; i < n; i++)
        {
            int j0 = Math.Max(0, i - b);
            for (int j = j0; j <= i; j++)
            {
                double sum = a[i * w + (i - j)];
                for (int k = Math.Max(j0, j - b); k < j; k++) sum -= a[i * w + (i - k)] * a[j * w + (j - k)];
                if (j < i) a[i * w + (i - j)] = sum / a[j * w];
                else
                {
                    if (!(sum > 1e-12 * Math.Abs(a[i * w]))) return false; // not positive definite (or NaN)
                    a[i * w] = Math.Sqrt(sum);
                }
            }
        }
        return true;
    }

    /// <summary>x = A⁻¹ b on the device fields (component-blocked, as the level stores them).</summary>
    public void Solve(Field<float> b, Field<float> x)
    {
        if (_inverse != null)
        {
            _inverse.Apply(b, x);
            return;
        }
        int n = _n, bw = _band, w = bw + 1, count = nodes.Count;
        var a = _factor!;
        var y = _work;
        b.Download(_response);
        for (int i = 0; i < n; i++) // L y = r, interleaved order
        {
            double sum = _response[i / 3 + i % 3 * count];
            for (int k = Math.Max(0, i - bw); k < i; k++) sum -= a[i * w + (i - k)] * y[k];
            y[i] = sum / a[i * w];
        }
        for (int i = n - 1; i >= 0; i--) // L^T x = y
        {
            double sum = y[i];
            for (int k = i + 1; k <= Math.Min(n - 1, i + bw); k++) sum -= a[k * w + (k - i)] * y[k];
            y[i] = sum / a[i * w];
            _probe[i / 3 + i % 3 * count] = (float)y[i];
        }
        x.Upload(_probe);
    }

    public void Dispose() => _inverse?.Dispose();
}
