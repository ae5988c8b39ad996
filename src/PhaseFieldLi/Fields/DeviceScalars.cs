using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Fields;

/// <summary>
/// A solver's scalars, kept where its fields are so that an iteration runs without the host waiting
/// for a sum: double <b>registers</b> that reductions write (<c>Backend.SumInto</c>) and float
/// <b>coefficients</b> that rules read (CG's α and β, computed from registers by
/// <c>Backend.Quotient</c>). The host sees the registers only when it asks (<c>Backend.ReadScalars</c>:
/// one wait). A device backend keeps the registers in device memory; the host backend, and a
/// distributed one (whose sums are added across ranks on the host anyway), keep them on the host.
/// </summary>
public abstract class DeviceScalars(Field<float> coefficients, int registers) : IDisposable
{
    /// <summary>The coefficients rules read, by index.</summary>
    public Field<float> Coefficients { get; } = coefficients;

    /// <summary>How many double registers there are.</summary>
    public int Registers { get; } = registers;

    /// <summary>Sets a register from the host (a copy to the device where they live there).</summary>
    public abstract void Store(int register, double value);

    /// <summary>Sets every register from the host (one copy).</summary>
    public abstract void StoreAll(ReadOnlySpan<double> values);

    public virtual void Dispose() => Coefficients.Dispose();
}

/// <summary>
/// Registers in host memory (<see cref="DeviceScalars"/>), pinned so that rules can read them through a
/// view. A store from the host is counted as the copy it is on a device.
/// </summary>
public sealed unsafe class HostScalars(Field<float> coefficients, int registers, LaunchCounts counts) : DeviceScalars(coefficients, registers)
{
    public double[] Values { get; } = GC.AllocateArray<double>(Math.Max(1, registers), pinned: true);

    /// <summary>The registers as a view (the array is pinned: its address does not move).</summary>
    public HostView<double> View => new((double*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Values[0]));

    public override void Store(int register, double value)
    {
        counts.Transfer();
        Values[register] = value;
    }

    public override void StoreAll(ReadOnlySpan<double> values)
    {
        counts.Transfer();
        values.CopyTo(Values);
    }
}
