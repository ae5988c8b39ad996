using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// The inverse of a small coarsest-level matrix, held dense on the device and applied as one
/// mat-vec: x = A⁻¹ r without the host (the download of r, triangular sweeps on the host and upload
/// of x were one host wait per V-cycle). A⁻¹ is computed on the host at set-up, column by column from
/// the banded Cholesky factor L (L y = e_j, Lᵀ x = y: about 1.5 n² b flops), in double, and stored in
/// double; each row's dot runs in double. A⁻¹ is symmetric, so thread i reading column i reads
/// consecutive addresses across threads. Used where n² b ≤ <see cref="MaxWork"/> (a few milliseconds on
/// one core; the 3 × 3 × 15 and 4 × 4 × 8 coarsest levels of the quickstart and of 256² × 512), else
/// the owner keeps its host sweeps.
/// </summary>
public sealed class DenseCoarseInverse(Backend backend, int n) : IDisposable
{
    /// <summary>Largest n² b (set-up work, ≈ 1.5 n² b flops) inverted densely.</summary>
    public const double MaxWork = 5e6;

    private readonly DeviceScalars _inverse = backend.Scalars("coarse_inverse", n * n, 1);
    private readonly double[] _values = new double[n * n];

    /// <summary>Whether an n × n matrix of half-bandwidth b is inverted densely.</summary>
    public static bool Fits(int n, int b) => (double)n * n * b <= MaxWork;

    /// <summary>
    /// A⁻¹ from the banded factor (row i, column j ≥ i − b at [i (b + 1) + (i − j)]), with row and
    /// column i of the band stored as entry <paramref name="fieldIndex"/>(i) of the level's fields.
    /// </summary>
    public void Set(double[] factor, int b, Func<int, int> fieldIndex)
    {
        int w = b + 1;
        var inverse = _values;
        Parallel.For(0, n, () => new double[n], (j, _, y) =>
        {
            Array.Clear(y);
            for (int i = j; i < n; i++) // L y = e_j: y is 0 above j
            {
                double sum = i == j ? 1.0 : 0.0;
                for (int k = Math.Max(j, i - b); k < i; k++) sum -= factor[i * w + (i - k)] * y[k];
                y[i] = sum / factor[i * w];
            }
            for (int i = n - 1; i >= 0; i--) // Lᵀ x = y
            {
                double sum = y[i];
                for (int k = i + 1; k <= Math.Min(n - 1, i + b); k++) sum -= factor[k * w + (k - i)] * y[k];
                y[i] = sum / factor[i * w];
            }
            int column = fieldIndex(j);
            for (int i = 0; i < n; i++) inverse[column * n + fieldIndex(i)] = y[i];
            return y;
        }, _ => { });
        _inverse.StoreAll(inverse);
    }

    /// <summary>x = A⁻¹ r on the device.</summary>
    public void Apply(Field<float> r, Field<float> x) => backend.DenseApply(_inverse, r, x, n);

    public void Dispose() => _inverse.Dispose();
}
