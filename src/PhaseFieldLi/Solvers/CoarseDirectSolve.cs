using PhaseFieldLi.Backends;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// The coarsest multigrid level solved exactly on the host: the level's operator (the same face walk
/// and float face conductances as Helmholtz.Apply) assembled in double as a banded
/// SPD matrix, half-bandwidth b = Nx·Ny in natural order, factored once per set-up by banded
/// Cholesky (n b² flops), and each cycle's coarse problem solved by two triangular sweeps (2 n b).
/// Where the level is small (<see cref="DenseCoarseInverse.Fits"/>) the factor's inverse is kept dense
/// on the device and a cycle applies it without the host; otherwise a cycle waits for the device once
/// (the download of the coarse right-hand side), where Jacobi-PCG to 1e-3 waited three times per
/// iteration, 30–90 times per cycle (bench/README.md, "Large grids"). An exact coarse solve is also a
/// better one.
/// Falls back to the given iterative solve when the band does not fit (<see cref="MaxBandWork"/>), a
/// face is periodic along z (the band would wrap), or the matrix is singular to working precision
/// (an all-Neumann level with a = 0): then the iterative solve's bounded answer is the safer one.
/// </summary>
public sealed class CoarseDirectSolve(Backend backend, GridShape grid, Multigrid.ICoarsestSolve fallback) : Multigrid.ICoarsestSolve
{
    /// <summary>Largest n·b² (factorisation flops) solved directly: a few milliseconds on one core.</summary>
    public const double MaxBandWork = 5e7;

    private readonly int _n = grid.Count, _band = grid.Nx * grid.Ny;
    private double[]? _factor; // row i, column j ≥ i − b at [i * (b + 1) + (i − j)]
    private readonly float[] _rhs = new float[grid.Count], _x = new float[grid.Count];
    private readonly float[] _sigma = new float[grid.Count], _shift = new float[grid.Count]; // set-up downloads, reused
    private readonly double[] _work = new double[grid.Count];
    private bool _direct;
    private readonly DenseCoarseInverse? _inverse =
        DenseCoarseInverse.Fits(grid.Count, grid.Nx * grid.Ny) ? new DenseCoarseInverse(backend, grid.Count) : null;

    /// <summary>Whether a cycle applies the inverse on the device (no host wait) rather than sweeping on the host.</summary>
    public bool OnDevice => _direct && _inverse != null;

    /// <summary>Whether a grid's band is small enough to be factored directly.</summary>
    public static bool Fits(GridShape g) => (double)g.Count * g.Nx * g.Ny * g.Nx * g.Ny <= MaxBandWork;

    /// <summary>Whether the last set-up factored the matrix (false: the fallback solves).</summary>
    public bool IsDirect => _direct;

    public bool SetsLastWeights => false;

    public void Setup(Multigrid.Level last, OperatorSpec spec)
    {
        if (!spec.PeriodicZ)
        {
            last.Sigma!.Download(_sigma);
            last.Shift!.Download(_shift);
        }
        _direct = !spec.PeriodicZ && Factor(_sigma, _shift, spec);
        if (!_direct) fallback.Setup(last, spec);
        else _inverse?.Set(_factor!, _band, i => i);
    }

    public void Solve(Multigrid.Level last, OperatorSpec spec)
    {
        if (!_direct)
        {
            fallback.Solve(last, spec);
            return;
        }
        if (_inverse != null)
        {
            _inverse.Apply(last.Rhs!, last.X!);
            return;
        }
        last.Rhs!.Download(_rhs);
        Substitute();
        last.X!.Upload(_x);
    }

    private unsafe bool Factor(float[] sigma, float[] shift, OperatorSpec spec)
    {
        int n = _n, b = _band, w = b + 1;
        var a = _factor ??= new double[(long)n * w <= int.MaxValue ? n * w : throw new InvalidOperationException("coarse band too large")];
        Array.Clear(a);
        fixed (float* s = sigma)
        {
            var view = new HostView<float>(s);
            for (int idx = 0; idx < n; idx++)
            {
                grid.Decompose(idx, out int i, out int j, out int k);
                var row = new RowVisitor { Matrix = a, Row = idx, Width = w, Diagonal = shift[idx] };
                Helmholtz.Walk(grid, spec, view, idx, i, j, k, ref row);
                a[idx * w] += row.Diagonal;
            }
        }
        // Banded Cholesky, in place: L L^T = A.
        for (int i = 0; i < n; i++)
        {
            int j0 = Math.Max(0, i - b);
            for (int j = j0; j <= i; j++)
            {
                double sum = a[i * w + (i - j)];
                int k0 = Math.Max(j0, j - b);
                for (int k = k0; k < j; k++) sum -= a[i * w + (i - k)] * a[j * w + (j - k)];
                if (j < i) a[i * w + (i - j)] = sum / a[j * w];
                else
                {
                    if (!(sum > 1e-10 * Math.Abs(a[i * w] + 1e-300))) return false; // singular (or NaN) to working precision
                    a[i * w] = Math.Sqrt(sum);
                }
            }
        }
        return true;
    }

    /// <summary>Adds one cell's faces to its row: −f off the diagonal (lower triangle only), +f on it.</summary>
    private struct RowVisitor : IFaceVisitor
    {
        public double[] Matrix;
        public int Row, Width;
        public double Diagonal;

        public void Face(int n, float f)
        {
            Diagonal += f;
            if (n == Row) Diagonal -= f; // a periodic face onto itself (one cell along that axis) cancels
            else if (n < Row) Matrix[Row * Width + (Row - n)] -= f;
        }

        public void Dirichlet(float f) => Diagonal += f;
    }

    private void Substitute()
    {
        int n = _n, b = _band, w = b + 1;
        var a = _factor!;
        var y = _work;
        for (int i = 0; i < n; i++) // L y = r
        {
            double sum = _rhs[i];
            for (int k = Math.Max(0, i - b); k < i; k++) sum -= a[i * w + (i - k)] * y[k];
            y[i] = sum / a[i * w];
        }
        for (int i = n - 1; i >= 0; i--) // L^T x = y
        {
            double sum = y[i];
            for (int k = i + 1; k <= Math.Min(n - 1, i + b); k++) sum -= a[k * w + (k - i)] * y[k];
            y[i] = sum / a[i * w];
            _x[i] = (float)y[i];
        }
    }

    public void Dispose()
    {
        _inverse?.Dispose();
        fallback.Dispose();
    }
}
