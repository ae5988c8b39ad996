using ILGPU;
using ILGPU.Runtime;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Kernels.Launch;

/// <summary>
/// The only ILGPU entry points of the solver. They are thin: one thread (or one strided range of
/// cells) calls the per-cell rule, sums write per-thread partials that a second pass folds (no floating-point atomics),
/// maxima use one integer atomic per thread.
/// Launch shapes are owned by the device backend, not by these methods.
/// </summary>
public static class CellKernels
{
    public static void ForEach<TRule>(Index1D idx, TRule rule) where TRule : struct, ICellRule
        => rule.Apply(idx);

    /// <summary>Grid-stride form: thread t applies the rule to cells t, t + stride, … (fewer, longer threads).</summary>
    public static void ForEachStrided<TRule>(Index1D t, TRule rule, int count, int stride) where TRule : struct, ICellRule
    {
        for (int idx = t; idx < count; idx += stride)
            rule.Apply(idx);
    }

    /// <summary>
    /// Grid-stride sum, stage 1: thread t adds cells t, t+stride, … and writes its partial to
    /// partial[t]. No floating-point atomics: a fixed summation order makes every reduction bitwise
    /// reproducible run to run on a GPU too. The accumulators must stay double on the device (the
    /// context's math mode must not be Fast32BitOnly; GpuCompilationTests checks the PTX).
    /// </summary>
    public static void Sum<TRule>(Index1D t, TRule rule, ArrayView<double> partial, int count, int stride)
        where TRule : struct, ICellSum
    {
        double acc = 0.0;
        for (int idx = t; idx < count; idx += stride)
            acc += rule.Value(idx);
        partial[t] = acc;
    }

    /// <summary>Stage 1 of a pair of sums: partials in partial[t] and partial[stride + t].</summary>
    public static void Sum2<TRule>(Index1D t, TRule rule, ArrayView<double> partial, int count, int stride)
        where TRule : struct, ICellSum2
    {
        double acc0 = 0.0, acc1 = 0.0;
        for (int idx = t; idx < count; idx += stride)
        {
            rule.Values(idx, out double v0, out double v1);
            acc0 += v0;
            acc1 += v1;
        }
        partial[t] = acc0;
        partial[stride + t] = acc1;
    }

    /// <summary>
    /// Stage 2: folds `length` partials (from offset) into `width` ones, folded[offset2 + s] =
    /// Σ partial[offset + s + m·width]; the host adds the `width` results in order.
    /// </summary>
    public static void Fold(Index1D s, ArrayView<double> partial, ArrayView<double> folded, int offset, int length, int width, int foldedOffset)
    {
        double acc = 0.0;
        for (int m = s; m < length; m += width)
            acc += partial[offset + m];
        folded[foldedOffset + s] = acc;
    }

    /// <summary>
    /// Stage 3 of a sum whose result stays on the device: thread s adds folded[offsets[s] …] over
    /// width values in order (the order in which the host adds them when it reads a sum back, so the
    /// total is the same to the bit) into register[registers[s]]. One thread per sum (one or two).
    /// </summary>
    public static void Total(Index1D s, ArrayView<double> folded, int width, ArrayView<double> registers, int foldedOffset0, int register0,
        int foldedOffset1, int register1)
    {
        int offset = s == 0 ? foldedOffset0 : foldedOffset1;
        double sum = 0.0;
        for (int m = 0; m < width; m++)
            sum += folded[offset + m];
        registers[s == 0 ? register0 : register1] = sum;
    }

    /// <summary>One thread: a solver coefficient from its registers (<see cref="ScalarQuotient"/>).</summary>
    public static void Quotient(Index1D s, ArrayView<double> registers, ArrayView<float> coefficients, ScalarQuotient q)
    {
        double subtrahend = q.Subtrahend >= 0 ? registers[q.Subtrahend] : 0.0;
        coefficients[q.Target] = q.Of(registers[q.Numerator], subtrahend, registers[q.Denominator]);
    }

    /// <summary>Thread i: x_i = Σ_j M[j n + i] r_j of a symmetric dense matrix (<see cref="Dense"/>).</summary>
    public static void DenseApply(Index1D i, DeviceView<double> matrix, DeviceView<float> r, DeviceView<float> x, int n) =>
        x[i] = Dense.Row(matrix, r, i, n);

    /// <summary>Grid-stride maximum of a long key; one atomic per thread.</summary>
    public static void Max<TRule>(Index1D t, TRule rule, ArrayView<long> result, int count, int stride)
        where TRule : struct, ICellMax
    {
        long best = long.MinValue;
        for (int idx = t; idx < count; idx += stride)
        {
            long key = rule.Key(idx);
            if (key > best) best = key;
        }
        Atomic.Max(ref result[0], best);
    }
}
