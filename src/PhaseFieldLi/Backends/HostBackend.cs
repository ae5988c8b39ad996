using System.Runtime.InteropServices;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>
/// The CPU fallback: the same per-cell rules as the ILGPU kernels, called from a Parallel.For over
/// blocks of cells with raw-pointer accessors into 64-byte-aligned native memory. Reductions add
/// fixed blocks in a fixed order, so results are bitwise reproducible for a given thread count.
/// </summary>
public sealed unsafe class HostBackend : Backend<HostView<float>, HostView<int>>
{
    public override IOperations CreateOperations() => new HostOperations(this);

    public override IOperations CreatePlaneOperations(int firstPlane, int planes, IHaloExchange halo) =>
        new HostOperations(this, firstPlane, planes, halo);

    /// <summary>Cells per parallel work item (a few planes of a 128² grid).</summary>
    private const int Block = 16384;

    public override string Name => "cpu";
    public override string Device => $"host CPU, {Environment.ProcessorCount} threads";

    public override long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private sealed class HostField<T>(string name, int length, LaunchCounts counts) : Field<T>(name, length, counts) where T : unmanaged
    {
        public T* Pointer { get; private set; } =
            (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * (nuint)sizeof(T), 64);

        protected override void CopyIn(int start, ReadOnlySpan<T> values) => values.CopyTo(new Span<T>(Pointer + start, Length - start));
        protected override void CopyOut(int start, Span<T> values) => new ReadOnlySpan<T>(Pointer + start, values.Length).CopyTo(values);

        protected override void Release()
        {
            if (Pointer == null) return;
            NativeMemory.AlignedFree(Pointer);
            Pointer = null;
        }
    }

    public override Field<float> Float(string name, int length)
    {
        var f = new HostField<float>(name, length, Counts);
        new Span<float>(f.Pointer, length).Clear();
        return f;
    }

    public override Field<int> Int(string name, int length)
    {
        var f = new HostField<int>(name, length, Counts);
        new Span<int>(f.Pointer, length).Clear();
        return f;
    }

    public override void CopyField(Field<float> source, Field<float> target)
    {
        var s = (HostField<float>)source;
        var t = (HostField<float>)target;
        int blocks = Blocks(source.Length);
        Parallel.For(0, blocks, b =>
        {
            int start = b * Block, n = Math.Min(source.Length, start + Block) - start;
            new ReadOnlySpan<float>(s.Pointer + start, n).CopyTo(new Span<float>(t.Pointer + start, n));
        });
    }

    public override HostView<float> View(Field<float> field) => new(((HostField<float>)field).Pointer);
    public override HostView<int> View(Field<int> field) => new(((HostField<int>)field).Pointer);

    private static int Blocks(int count) => (count + Block - 1) / Block;

    // Per-block partial results, reused across reductions (a step runs hundreds of them; reductions
    // are issued one at a time, so one buffer of each kind suffices).
    private double[] _sums = [];
    private (double, double)[] _pairs = [];
    private long[] _maxima = [];

    /// <summary>The per-block results of one reduction over count items (counted: one pass, one sync).</summary>
    private T[] Partials<T>(ref T[] buffer, int count, bool wait = true)
    {
        if (wait) CountReduction();
        else Counts.Launch();
        int n = Blocks(count);
        if (buffer.Length < n) buffer = new T[n];
        return buffer;
    }

    public override void ForEach<TRule>(TRule rule, int count)
    {
        Counts.Launch();
        Parallel.For(0, Blocks(count), b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            for (int idx = b * Block; idx < end; idx++) rule.Apply(idx);
        });
    }

    /// <summary>Rows (j, k) of g per parallel work item: about <see cref="Block"/> cells.</summary>
    private static int RowsPerBlock(GridShape g) => Math.Max(1, Block / g.Nx);

    public override void ForEachCell<TRule>(TRule rule, GridShape g)
    {
        Counts.Launch();
        int rows = g.Ny * g.Nz, per = RowsPerBlock(g);
        Parallel.For(0, (rows + per - 1) / per, b =>
        {
            int end = Math.Min(rows, (b + 1) * per);
            for (int row = b * per; row < end; row++)
            {
                int k = row / g.Ny, j = row - k * g.Ny, idx = row * g.Nx;
                for (int i = 0; i < g.Nx; i++) rule.Apply(idx + i, i, j, k);
            }
        });
    }

    public override double SumCells<TRule>(TRule rule, GridShape g) => AddCells(rule, g, wait: true);

    private double AddCells<TRule>(TRule rule, GridShape g, bool wait) where TRule : struct, IGridSum
    {
        if (wait) CountReduction();
        else Counts.Launch();
        int rows = g.Ny * g.Nz, per = RowsPerBlock(g), blocks = (rows + per - 1) / per;
        var partial = _rowSums.Length >= blocks ? _rowSums : (_rowSums = new double[blocks]);
        Parallel.For(0, blocks, b =>
        {
            int end = Math.Min(rows, (b + 1) * per);
            double acc = 0;
            for (int row = b * per; row < end; row++)
            {
                int k = row / g.Ny, j = row - k * g.Ny, idx = row * g.Nx;
                for (int i = 0; i < g.Nx; i++) acc += rule.Value(idx + i, i, j, k);
            }
            partial[b] = acc;
        });
        double total = 0;
        for (int b = 0; b < blocks; b++) total += partial[b];
        return total;
    }

    private double[] _rowSums = [];

    public override double Sum<TRule>(TRule rule, int count) => Add(rule, count, wait: true);

    private double Add<TRule>(TRule rule, int count, bool wait) where TRule : struct, ICellSum
    {
        int blocks = Blocks(count);
        var partial = Partials(ref _sums, count, wait);
        Parallel.For(0, blocks, b =>
        {
            int end = Math.Min(count, (b + 1) * Block);
            double acc = 0;
            for (int idx = b * Block; idx < end; idx++) acc += rule.Value(idx);
            partial[b] = acc;
        });
        double total = 0;
        for (int b = 0; b < blocks; b++) total += partial[b];
        return total;
    }

    public override (double First, double Second) Sum2<TRule>(TRule rule, int count) => Add2(rule, count, wait: true);

    private (double First, double Second) Add2<TRule>(TRule rule, int count, bool wait) where TRule : struct, ICellSum2
    {
        int blocks = Blocks(count);
        var partial = Partials(ref _pairs, count, wait);
        Parallel.For(0, blocks, b =>
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
        for (int b = 0; b < blocks; b++) { t0 += partial[b].Item1; t1 += partial[b].Item2; }
        return (t0, t1);
    }

    public override long Max<TRule>(TRule rule, int count)
    {
        int blocks = Blocks(count);
        var partial = Partials(ref _maxima, count);
        Parallel.For(0, blocks, b =>
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
        long max = long.MinValue;
        for (int b = 0; b < blocks; b++) max = Math.Max(max, partial[b]);
        return max;
    }

    // A solver's scalars stay in host memory; counted as a device counts them (a pass, no wait), so
    // that the counts of a step are the same on every backend.

    public override void SumInto<TRule>(TRule rule, int count, DeviceScalars s, int register) =>
        ((HostScalars)s).Values[register] = Add(rule, count, wait: false);

    public override void Sum2Into<TRule>(TRule rule, int count, DeviceScalars s, int first, int second)
    {
        var values = ((HostScalars)s).Values;
        (values[first], values[second]) = Add2(rule, count, wait: false);
    }

    public override void SumCellsInto<TRule>(TRule rule, GridShape g, DeviceScalars s, int register) =>
        ((HostScalars)s).Values[register] = AddCells(rule, g, wait: false);

    public override void Quotient(DeviceScalars s, ScalarQuotient q)
    {
        Counts.Launch();
        var r = ((HostScalars)s).Values;
        View(s.Coefficients)[q.Target] = q.Of(r[q.Numerator], q.Subtrahend >= 0 ? r[q.Subtrahend] : 0.0, r[q.Denominator]);
    }

    public override void DenseApply(DeviceScalars m, Field<float> r, Field<float> x, int n)
    {
        Counts.Launch();
        var matrix = ((HostScalars)m).View;
        var rv = View(r);
        var xv = View(x);
        Parallel.For(0, (n + 63) / 64, block =>
        {
            for (int i = block * 64; i < Math.Min(n, block * 64 + 64); i++) xv[i] = Dense.Row(matrix, rv, i, n);
        });
    }

    /// <summary>A reduction is one parallel pass whose result the host waits for.</summary>
    private void CountReduction()
    {
        Counts.Launch();
        Counts.Sync();
    }

    public override void Dispose() { }
}
