using PhaseFieldLi.Fields;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// Gathers of a multigrid level onto every rank and the way back, with host buffers allocated once
/// (a gather runs every V-cycle). A field is `blocks` blocks (1 for a cell field, 3 for a nodal
/// vector); in each, a rank owns `owned` consecutive entries, at `localFirst` of its local block and
/// at `globalFirst` of the whole grid's block.
/// </summary>
public sealed class SlabGather
{
    private float[] _whole = [], _slab = [];
    private double[] _sum = [];

    /// <summary>The ranks' owned entries added into one whole field on every rank (one Allreduce).</summary>
    public void Gather(SlabPartition partition, Field<float> slab, Field<float> whole, int blocks, int localBlock, int globalBlock,
        int localFirst, int globalFirst, int owned)
    {
        int n = blocks * globalBlock;
        if (_whole.Length < n) { _whole = new float[n]; _sum = new double[n]; }
        Array.Clear(_sum, 0, n);
        for (int c = 0; c < blocks; c++)
        {
            var part = _whole.AsSpan(0, owned);
            slab.DownloadRange(c * localBlock + localFirst, part);
            for (int e = 0; e < owned; e++) _sum[c * globalBlock + globalFirst + e] = part[e];
        }
        partition.Sum(_sum.AsSpan(0, n));
        for (int e = 0; e < n; e++) _whole[e] = (float)_sum[e];
        whole.UploadRange(0, _whole.AsSpan(0, n));
    }

    /// <summary>A rank's local entries (ghost planes included: `local` from `globalFirst` of each block) out of the whole field.</summary>
    public void Scatter(Field<float> whole, Field<float> slab, int blocks, int localBlock, int globalBlock, int globalFirst)
    {
        if (_slab.Length < localBlock) _slab = new float[localBlock];
        var part = _slab.AsSpan(0, localBlock);
        for (int c = 0; c < blocks; c++)
        {
            whole.DownloadRange(c * globalBlock + globalFirst, part);
            slab.UploadRange(c * localBlock, part);
        }
    }
}
