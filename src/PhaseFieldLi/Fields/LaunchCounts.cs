namespace PhaseFieldLi.Fields;

/// <summary>
/// Counts of what the host asked of a backend: kernel launches (on the host backend, parallel passes;
/// a device reduction is its kernel plus its fold pass), syncs (the host waited for a device result: a
/// reduction's scalar or a field download) and field transfers (uploads and downloads). The time
/// loop's cost on a GPU at small and medium grids is set by the launches and syncs, not by the bytes
/// (launch 5 µs, launch + sync 11 µs on an H200), so the benchmark reports them per step.
/// </summary>
public sealed class LaunchCounts
{
    public long Launches { get; private set; }
    public long Syncs { get; private set; }
    public long Transfers { get; private set; }

    /// <summary>Bytes of the fields alive now, and the most alive at once (the run's device memory, without the runtime's own).</summary>
    public long FieldBytes { get; private set; }
    public long PeakFieldBytes { get; private set; }

    public void Allocate(long bytes)
    {
        FieldBytes += bytes;
        PeakFieldBytes = Math.Max(PeakFieldBytes, FieldBytes);
    }

    public void Free(long bytes) => FieldBytes -= bytes;

    public void Launch(int kernels = 1) => Launches += kernels;
    public void Sync() => Syncs++;
    public void Transfer() => Transfers++;

    /// <summary>The counts now, to subtract later.</summary>
    public (long Launches, long Syncs, long Transfers) Now => (Launches, Syncs, Transfers);
}
