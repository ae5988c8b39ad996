using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// This rank's z-slab of the global grid (<see cref="SlabDecomposition"/>) as the model sees it:
/// global sums and maxima by MPI_Allreduce, ghost planes filled by two Sendrecv per field (up, then
/// down), staged through the host when the field lives on a GPU.
/// </summary>
public sealed class SlabPartition(Mpi mpi, SlabDecomposition slabs) : IPartition
{
    private float[] _sendF = [], _receiveF = [];
    private int[] _sendI = [], _receiveI = [];

    public Mpi Mpi => mpi;
    public SlabDecomposition Slabs => slabs;
    public GridShape Global => slabs.Global;
    public GridShape Local => new(slabs.Local.Nx, slabs.Local.Ny, slabs.Local.Nz) { ZOffset = slabs.ZStart - slabs.GhostBelow };
    public int OwnedFirst => slabs.OwnedFirst;
    public int OwnedEnd => slabs.OwnedEnd;
    public int Rank => mpi.Rank;
    public int Size => mpi.Size;

    public void Sum(Span<double> values) => mpi.Sum(values);
    public double Sum(double value) => mpi.Sum(value);
    public long Max(long value) => mpi.Max(value);

    private int Below => slabs.GhostBelow == 1 ? mpi.Rank - 1 : mpi.NoRank;
    private int Above => slabs.GhostAbove == 1 ? mpi.Rank + 1 : mpi.NoRank;

    public void FillGhosts(Field<float> field) => Fill(field, ref _sendF, ref _receiveF);
    public void FillGhosts(Field<int> field) => Fill(field, ref _sendI, ref _receiveI);

    private void Fill<T>(Field<T> field, ref T[] send, ref T[] receive) where T : unmanaged
    {
        int plane = slabs.Global.Plane;
        if (send.Length != plane) { send = new T[plane]; receive = new T[plane]; }
        // Up: my top owned plane → the rank above's lower ghost; my lower ghost ← the rank below.
        field.DownloadRange(slabs.OwnedEnd - plane, send);
        mpi.Exchange<T>(send, Above, receive, Below, tag: 11);
        if (slabs.GhostBelow == 1) field.UploadRange(0, receive);
        // Down: my lowest owned plane → the rank below's upper ghost; my upper ghost ← the rank above.
        field.DownloadRange(slabs.OwnedFirst, send);
        mpi.Exchange<T>(send, Below, receive, Above, tag: 12);
        if (slabs.GhostAbove == 1) field.UploadRange(slabs.OwnedEnd, receive);
    }
}
