using ILGPU;
using ILGPU.Runtime;

namespace PhaseFieldLi.Kernels.Launch;

/// <summary>
/// The only ILGPU entry points of the solver. They are thin: one thread (or one strided range of
/// cells) calls the per-cell rule, and reductions add their per-thread partial once with an atomic.
/// Launch shapes are owned by the device backend, not by these methods.
/// </summary>
public static class CellKernels
{
    public static void ForEach<TRule>(Index1D idx, TRule rule) where TRule : struct, ICellRule
        => rule.Apply(idx);

    /// <summary>Grid-stride sum: thread t adds cells t, t+stride, …; one atomic per thread.</summary>
    public static void Sum<TRule>(Index1D t, TRule rule, ArrayView<double> result, int count, int stride)
        where TRule : struct, ICellSum
    {
        double acc = 0.0;
        for (int idx = t; idx < count; idx += stride)
            acc += rule.Value(idx);
        Atomic.Add(ref result[0], acc);
    }

    /// <summary>Grid-stride pair of sums into result[0] and result[1].</summary>
    public static void Sum2<TRule>(Index1D t, TRule rule, ArrayView<double> result, int count, int stride)
        where TRule : struct, ICellSum2
    {
        double acc0 = 0.0, acc1 = 0.0;
        for (int idx = t; idx < count; idx += stride)
        {
            rule.Values(idx, out double v0, out double v1);
            acc0 += v0;
            acc1 += v1;
        }
        Atomic.Add(ref result[0], acc0);
        Atomic.Add(ref result[1], acc1);
    }

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
