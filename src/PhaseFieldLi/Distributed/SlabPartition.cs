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

    private float[] _sendN = [], _receiveN = [];

    /// <summary>The nodes of this slab (<see cref="SlabDecomposition.LocalNodes"/>), with the cells' z offset.</summary>
    public GridShape LocalNodes => new(slabs.Global.Nx + 1, slabs.Global.Ny + 1, slabs.Local.Nz + 1) { ZOffset = Local.ZOffset };

    /// <summary>
    /// Fills the nodal ghost planes of a vector of three component blocks (the displacement): each
    /// neighbour's owned node plane next to this slab, all three components in one message per
    /// direction.
    /// </summary>
    public void FillNodeGhosts(Field<float> blocks)
    {
        var nodes = slabs.LocalNodes;
        int plane = nodes.Plane, block = nodes.Count;
        if (blocks.Length != 3 * block)
            throw new ArgumentException($"a nodal vector of {blocks.Length} entries on a slab of {block} nodes");
        if (_sendN.Length != 3 * plane) { _sendN = new float[3 * plane]; _receiveN = new float[3 * plane]; }
        int top = (slabs.GhostBelow + slabs.OwnedPlanes - 1) * plane, bottom = slabs.GhostBelow * plane;
        int ghostAbove = (slabs.GhostBelow + slabs.OwnedPlanes) * plane;
        // Up: my top owned node plane → the rank above's node plane 0.
        if (slabs.GhostAbove == 1)
            for (int c = 0; c < 3; c++) blocks.DownloadRange(c * block + top, _sendN.AsSpan(c * plane, plane));
        mpi.Exchange<float>(_sendN, Above, _receiveN, Below, tag: 13);
        if (slabs.GhostBelow == 1)
            for (int c = 0; c < 3; c++) blocks.UploadRange(c * block, _receiveN.AsSpan(c * plane, plane));
        // Down: my lowest owned node plane → the rank below's node plane above its owned ones.
        if (slabs.GhostBelow == 1)
            for (int c = 0; c < 3; c++) blocks.DownloadRange(c * block + bottom, _sendN.AsSpan(c * plane, plane));
        mpi.Exchange<float>(_sendN, Below, _receiveN, Above, tag: 14);
        if (slabs.GhostAbove == 1)
            for (int c = 0; c < 3; c++) blocks.UploadRange(c * block + ghostAbove, _receiveN.AsSpan(c * plane, plane));
    }

    private void Fill<T>(Field<T> field, ref T[] send, ref T[] receive) where T : unmanaged
    {
        int plane = slabs.Global.Plane;
        if (send.Length != plane) { send = new T[plane]; receive = new T[plane]; }
        // Up: my top owned plane → the rank above's lower ghost; my lower ghost ← the rank below.
        if (slabs.GhostAbove == 1) field.DownloadRange(slabs.OwnedEnd - plane, send); // a device copy only where it is sent
        mpi.Exchange<T>(send, Above, receive, Below, tag: 11);
        if (slabs.GhostBelow == 1) field.UploadRange(0, receive);
        // Down: my lowest owned plane → the rank below's upper ghost; my upper ghost ← the rank above.
        if (slabs.GhostBelow == 1) field.DownloadRange(slabs.OwnedFirst, send);
        mpi.Exchange<T>(send, Below, receive, Above, tag: 12);
        if (slabs.GhostAbove == 1) field.UploadRange(slabs.OwnedEnd, receive);
    }
}
