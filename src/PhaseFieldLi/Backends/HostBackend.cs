using System.Runtime.InteropServices;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Backends;

/// <summary>
/// The CPU fallback: the same per-cell rules as the ILGPU kernels, called from a Parallel.For over
/// blocks of cells with raw-pointer accessors into 64-byte-aligned native memory. Reductions add
/// fixed blocks in a fixed order, so results are bitwise reproducible for a given thread count.
/// </summary>
public sealed unsafe class HostBackend : Backend<HostView<float>, HostView<int>>
{
    /// <summary>Cells per parallel work item (a few planes of a 128² grid).</summary>
    private const int Block = 16384;

    public override string Name => "cpu";
    public override string Device => $"host CPU, {Environment.ProcessorCount} threads";

    public override long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private sealed class HostField<T>(string name, int length) : Field<T>(name, length) where T : unmanaged
    {
        public T* Pointer { get; private set; } =
            (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * (nuint)sizeof(T), 64);

        public override void Upload(ReadOnlySpan<T> values) => values.CopyTo(new Span<T>(Pointer, Length));
        public override void Download(Span<T> values) => new ReadOnlySpan<T>(Pointer, Length).CopyTo(values);

        public override void Dispose()
        {
            if (Pointer == null) return;
            NativeMemory.AlignedFree(Pointer);
            Pointer = null;
        }
    }

    public override Field<float> Float(string name, int length)
    {
        var f = new HostField<float>(name, length);
        new Span<float>(f.Pointer, length).Clear();
        return f;
    }

    public override Field<int> Int(string name, int length)
    {
        var f = new HostField<int>(name, length);
        new Span<int>(f.Pointer, length).Clear();
        return f;
    }

    public override HostView<float> View(Field<float> field) => new(((HostField<float>)field).Pointer);
    public override HostView<int> View(Field<int> field) => new(((HostField<int>)field).Pointer);

    private static int Blocks(int count) => (count + Block - 1) / Block;

    public override void ForEach<TRule>(TRule rule, int count)
    {
        Parallel.For(0, Blocks(count), b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            for (int idx = b * Block; idx < end; idx++) rule.Apply(idx);
        });
    }

    public override double Sum<TRule>(TRule rule, int count)
    {
        var partial = new double[Blocks(count)];
        Parallel.For(0, partial.Length, b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            double acc = 0;
            for (int idx = b * Block; idx < end; idx++) acc += rule.Value(idx);
            partial[b] = acc;
        });
        double total = 0;
        foreach (double p in partial) total += p;
        return total;
    }

    public override (double First, double Second) Sum2<TRule>(TRule rule, int count)
    {
        var partial = new (double, double)[Blocks(count)];
        Parallel.For(0, partial.Length, b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            double a0 = 0, a1 = 0;
            for (int idx = b * Block; idx < end; idx++)
            {
                rule.Values(idx, out double v0, out double v1);
                a0 += v0;
                a1 += v1;
            }
            partial[b] = (a0, a1);
        });
        double t0 = 0, t1 = 0;
        foreach (var (p0, p1) in partial) { t0 += p0; t1 += p1; }
        return (t0, t1);
    }

    public override long Max<TRule>(TRule rule, int count)
    {
        var partial = new long[Blocks(count)];
        Parallel.For(0, partial.Length, b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            long best = long.MinValue;
            for (int idx = b * Block; idx < end; idx++)
            {
                long k = rule.Key(idx);
                if (k > best) best = k;
            }
            partial[b] = best;
        });
        return partial.Length == 0 ? long.MinValue : partial.Max();
    }

    public override void Dispose() { }
}
