using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>
/// Runs the per-cell rules as ILGPU kernels on one accelerator (CUDA, OpenCL, or ILGPU's CPU
/// emulator, which checks kernels but is far too slow for real cases). Each rule type is compiled
/// once and cached; this class owns every launch shape.
/// </summary>
public sealed class IlgpuBackend : Backend<DeviceView<float>, DeviceView<int>>
{
    public override IOperations CreateOperations() => new Operations<DeviceView<float>, DeviceView<int>>(this);

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Dictionary<Type, Delegate> _kernels = [];
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _partials, _folded;
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _max;
    private readonly int _reductionThreads;
    private readonly double[] _foldedHost = new double[2 * FoldWidth];
    private const int FoldWidth = 1024;
    private readonly long[] _maxHost = new long[1];

    public IlgpuBackend(string name, Context context, Accelerator accelerator)
    {
        Name = name;
        _context = context;
        _accelerator = accelerator;
        _max = accelerator.Allocate1D<long>(1);
        // Enough threads to fill the device; each writes one partial sum (two for pairs of sums),
        // which a second pass folds into FoldWidth values for the host to add in order.
        _reductionThreads = Math.Max(1, accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor);
        _partials = accelerator.Allocate1D<double>(2 * _reductionThreads);
        _folded = accelerator.Allocate1D<double>(2 * FoldWidth);
    }

    public override string Name { get; }

    public override long MemoryBytes => _accelerator.AcceleratorType == AcceleratorType.CPU
        ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes
        : _accelerator.MemorySize;
    public override string Device => _accelerator.AcceleratorType == AcceleratorType.CPU
        ? $"{_accelerator.Name} (ILGPU's CPU emulator, host memory)"
        : $"{_accelerator.Name} ({_accelerator.AcceleratorType}, {_accelerator.MemorySize / (1 << 20)} MiB)";

    private sealed class DeviceField<T>(string name, MemoryBuffer1D<T, Stride1D.Dense> buffer, LaunchCounts counts)
        : Field<T>(name, (int)buffer.Length, counts) where T : unmanaged
    {
        public MemoryBuffer1D<T, Stride1D.Dense> Buffer { get; } = buffer;

        // Straight between the caller's span and device memory, no staging array: ghost planes go
        // through here on every exchange (the MPI binding is not CUDA-aware).
        protected override void CopyIn(int start, ReadOnlySpan<T> values) =>
            Buffer.View.SubView(start, values.Length).CopyFromCPU(ref MemoryMarshal.GetReference(values), values.Length);

        protected override void CopyOut(int start, Span<T> values) =>
            Buffer.View.SubView(start, values.Length).CopyToCPU(ref MemoryMarshal.GetReference(values), values.Length);

        protected override void Release() => Buffer.Dispose();
    }

    public override Field<float> Float(string name, int length)
    {
        var buffer = _accelerator.Allocate1D<float>(Math.Max(1, length));
        buffer.MemSetToZero();
        return new DeviceField<float>(name, buffer, Counts);
    }

    public override Field<int> Int(string name, int length)
    {
        var buffer = _accelerator.Allocate1D<int>(Math.Max(1, length));
        buffer.MemSetToZero();
        return new DeviceField<int>(name, buffer, Counts);
    }

    public override void CopyField(Field<float> source, Field<float> target) =>
        ((DeviceField<float>)source).Buffer.View.CopyTo(((DeviceField<float>)target).Buffer.View);

    public override DeviceView<float> View(Field<float> field) => new(((DeviceField<float>)field).Buffer.View);
    public override DeviceView<int> View(Field<int> field) => new(((DeviceField<int>)field).Buffer.View);

    private TKernel Kernel<TRule, TKernel>(Func<TKernel> load) where TKernel : Delegate
    {
        var key = typeof((TRule, TKernel));
        if (!_kernels.TryGetValue(key, out var k))
            _kernels[key] = k = load();
        return (TKernel)k;
    }

    /// <summary>
    /// How per-cell rules are launched: one thread per cell (auto-grouped), or a grid-stride loop over
    /// as many threads as the device holds at once (the shape of the reductions). Set by the
    /// environment variable PHASEFIELD_LAUNCH = "cell" (default) or "stride", for measuring both.
    /// </summary>
    public static bool GridStride { get; } = Environment.GetEnvironmentVariable("PHASEFIELD_LAUNCH") == "stride";

    private static readonly bool Profiling = Environment.GetEnvironmentVariable("PHASEFIELD_PROFILE") == "1";
    private readonly Dictionary<string, (long Launches, double Seconds)> _times = [];
    private readonly System.Diagnostics.Stopwatch _clock = new();

    public override IReadOnlyDictionary<string, (long Launches, double Seconds)> KernelTimes => _times;
    public override void ResetKernelTimes() => _times.Clear();

    /// <summary>When profiling: waits for the device before a launch (start) and after it (stop), and books the time to the rule.</summary>
    private void Profile<TRule>(bool start)
    {
        if (!Profiling) return;
        _accelerator.Synchronize();
        if (start)
        {
            _clock.Restart();
            return;
        }
        string name = RuleName(typeof(TRule));
        var (n, s) = _times.GetValueOrDefault(name);
        _times[name] = (n + 1, s + _clock.Elapsed.TotalSeconds);
    }

    private static string RuleName(Type t) => !t.IsGenericType ? t.Name
        : $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(",", t.GetGenericArguments().Where(a => !a.Name.StartsWith("DeviceView")).Select(RuleName))}>";

    public override void ForEach<TRule>(TRule rule, int count)
    {
        Counts.Launch();
        Profile<TRule>(start: true);
        if (GridStride && count > _reductionThreads)
        {
            var strided = Kernel<TRule, Action<Index1D, TRule, int, int>>(() =>
                _accelerator.LoadAutoGroupedStreamKernel<Index1D, TRule, int, int>(CellKernels.ForEachStrided));
            strided(_reductionThreads, rule, count, _reductionThreads);
        }
        else
        {
            var kernel = Kernel<TRule, Action<Index1D, TRule>>(() =>
                _accelerator.LoadAutoGroupedStreamKernel<Index1D, TRule>(CellKernels.ForEach));
            kernel(count, rule);
        }
        Profile<TRule>(start: false);
    }

    public override void ForEachColourCell<TRule>(TRule rule, GridShape g, int colour) =>
        ForEach(new ColourCellsRule<TRule> { Inner = rule, Grid = g, Colour = colour }, ColourCellsRule<TRule>.Threads(g));

    private int Threads(int count) => Math.Min(count, _reductionThreads);

    public override double Sum<TRule>(TRule rule, int count)
    {
        Profile<TRule>(start: true);
        int width = FoldSum(rule, count);
        ReadFolded();
        Profile<TRule>(start: false);
        return Add(0, width);
    }

    public override (double First, double Second) Sum2<TRule>(TRule rule, int count)
    {
        Profile<TRule>(start: true);
        int width = FoldSum2(rule, count);
        ReadFolded();
        Profile<TRule>(start: false);
        return (Add(0, width), Add(FoldWidth, width));
    }

    /// <summary>Stages 1 and 2 of a sum: its partials folded into _folded[0 …]; returns the width.</summary>
    private int FoldSum<TRule>(TRule rule, int count) where TRule : struct, ICellSum
    {
        var kernel = Kernel<TRule, Action<Index1D, TRule, ArrayView<double>, int, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, TRule, ArrayView<double>, int, int>(CellKernels.Sum));
        return Fold(0, LaunchPartials(kernel, rule, count), 0);
    }

    /// <summary>Stages 1 and 2 of a pair of sums: folded into _folded[0 …] and _folded[FoldWidth …]; returns the width.</summary>
    private int FoldSum2<TRule>(TRule rule, int count) where TRule : struct, ICellSum2
    {
        var kernel = Kernel<TRule, Action<Index1D, TRule, ArrayView<double>, int, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, TRule, ArrayView<double>, int, int>(CellKernels.Sum2));
        int threads = LaunchPartials(kernel, rule, count);
        int width = Fold(0, threads, 0);
        Fold(threads, threads, FoldWidth);
        return width;
    }

    /// <summary>The partial-sum pass: one or two partials per thread; returns the thread count.</summary>
    private int LaunchPartials<TRule>(Action<Index1D, TRule, ArrayView<double>, int, int> kernel, TRule rule, int count)
        where TRule : struct
    {
        int threads = Threads(count);
        Counts.Launch();
        kernel(threads, rule, _partials.View, count, threads);
        return threads;
    }

    /// <summary>The host waits for the folded partials (the reduction's one sync).</summary>
    private void ReadFolded()
    {
        Counts.Sync();
        _folded.View.CopyToCPU(_foldedHost);
    }

    /// <summary>Folds partials [offset, offset + length) into _folded[foldedOffset …]; returns the width.</summary>
    private int Fold(int offset, int length, int foldedOffset)
    {
        var fold = Kernel<FoldPass, Action<Index1D, ArrayView<double>, ArrayView<double>, int, int, int, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, int, int, int>(CellKernels.Fold));
        int width = Math.Min(length, FoldWidth);
        Counts.Launch();
        fold(width, _partials.View, _folded.View, offset, length, width, foldedOffset);
        return width;
    }

    private sealed class FoldPass;

    private double Add(int offset, int width)
    {
        double sum = 0.0;
        for (int s = 0; s < width; s++) sum += _foldedHost[offset + s];
        return sum;
    }

    /// <summary>Registers in device memory; the host writes or reads them only when asked.</summary>
    private sealed class Registers(Field<float> coefficients, int count, Accelerator accelerator, LaunchCounts counts)
        : DeviceScalars(coefficients, count)
    {
        public MemoryBuffer1D<double, Stride1D.Dense> Buffer { get; } = accelerator.Allocate1D<double>(Math.Max(1, count));

        public override void Store(int register, double value)
        {
            counts.Transfer();
            Buffer.View.SubView(register, 1).CopyFromCPU(new[] { value });
        }

        public override void StoreAll(ReadOnlySpan<double> values)
        {
            counts.Transfer();
            Buffer.View.SubView(0, values.Length).CopyFromCPU(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values), values.Length);
        }

        public override void Dispose()
        {
            Buffer.Dispose();
            base.Dispose();
        }
    }

    public override DeviceScalars Scalars(string name, int registers, int coefficients)
    {
        var s = new Registers(Float(name, coefficients), registers, _accelerator, Counts);
        s.Buffer.MemSetToZero();
        return s;
    }

    public override void SumInto<TRule>(TRule rule, int count, DeviceScalars s, int register)
    {
        Profile<TRule>(start: true);
        Total(1, FoldSum(rule, count), (Registers)s, register, register);
        Profile<TRule>(start: false);
    }

    public override void Sum2Into<TRule>(TRule rule, int count, DeviceScalars s, int first, int second)
    {
        Profile<TRule>(start: true);
        Total(2, FoldSum2(rule, count), (Registers)s, first, second);
        Profile<TRule>(start: false);
    }

    public override void SumCellsInto<TRule>(TRule rule, GridShape g, DeviceScalars s, int register) => SumInto(rule, g.Count, s, register);

    /// <summary>The folded partials added in order into one or two registers (stage 3, no wait).</summary>
    private void Total(int sums, int width, Registers s, int first, int second)
    {
        var total = Kernel<TotalPass, Action<Index1D, ArrayView<double>, int, ArrayView<double>, int, int, int, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, int, ArrayView<double>, int, int, int, int>(CellKernels.Total));
        Counts.Launch();
        total(sums, _folded.View, width, s.Buffer.View, 0, first, FoldWidth, second);
    }

    private sealed class TotalPass;

    public override void Quotient(DeviceScalars s, ScalarQuotient q)
    {
        var quotient = Kernel<ScalarQuotient, Action<Index1D, ArrayView<double>, ArrayView<float>, ScalarQuotient>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>, ScalarQuotient>(CellKernels.Quotient));
        Counts.Launch();
        quotient(1, ((Registers)s).Buffer.View, ((DeviceField<float>)s.Coefficients).Buffer.View, q);
    }

    public override void DenseApply(DeviceScalars m, Field<float> r, Field<float> x, int n)
    {
        var kernel = Kernel<DensePass, Action<Index1D, DeviceView<double>, DeviceView<float>, DeviceView<float>, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceView<double>, DeviceView<float>, DeviceView<float>, int>(CellKernels.DenseApply));
        Counts.Launch();
        kernel(n, new DeviceView<double>(((Registers)m).Buffer.View), View(r), View(x), n);
    }

    private sealed class DensePass;

    public override double[] ReadScalars(DeviceScalars s)
    {
        Counts.Sync(); // a reduction's result, counted as one (a wait, no field transfer)
        return ((Registers)s).Buffer.GetAsArray1D();
    }

    public override long Max<TRule>(TRule rule, int count)
    {
        var kernel = Kernel<TRule, Action<Index1D, TRule, ArrayView<long>, int, int>>(() =>
            _accelerator.LoadAutoGroupedStreamKernel<Index1D, TRule, ArrayView<long>, int, int>(CellKernels.Max));
        _maxHost[0] = long.MinValue;
        _max.View.CopyFromCPU(_maxHost);
        int threads = Threads(count);
        Profile<TRule>(start: true);
        Counts.Launch();
        kernel(threads, rule, _max.View, count, threads);
        Counts.Sync();
        _max.View.CopyToCPU(_maxHost);
        Profile<TRule>(start: false);
        return _maxHost[0];
    }

    public override void Synchronize() => _accelerator.Synchronize();

    public override void Dispose()
    {
        _partials.Dispose();
        _folded.Dispose();
        _max.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
