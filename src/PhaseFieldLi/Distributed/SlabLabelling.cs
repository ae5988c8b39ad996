namespace PhaseFieldLi.Distributed;

/// <summary>
/// Connected metal bodies across z-slabs — the distributed form of the body labelling (BodyLabels):
/// cells flagged as core connect through their six faces, and each body is labelled by the smallest
/// global cell index it holds, so the labels do not depend on the rank count. Each rank joins its own
/// cells by union-find, then the ranks lower the labels of bodies that cross a slab boundary by
/// exchanging their boundary planes, until no rank changes a label (a body that leaves a rank and
/// comes back, a U, takes more than one round).
/// </summary>
public static class SlabLabelling
{
    /// <summary>Labels of the owned cells (−1: not core) from their core flags (owned cells, local order).</summary>
    public static int[] Label(Mpi mpi, SlabDecomposition slabs, bool[] core, out int rounds)
    {
        var g = slabs.Global;
        int plane = g.Plane, planes = slabs.OwnedPlanes, count = planes * plane;
        if (core.Length != count) throw new ArgumentException($"{core.Length} core flags for {count} owned cells");
        var parent = new int[count];
        for (int n = 0; n < count; n++) parent[n] = n;
        int Find(int n)
        {
            while (parent[n] != n) n = parent[n] = parent[parent[n]];
            return n;
        }
        void Union(int a, int b)
        {
            int ra = Find(a), rb = Find(b);
            if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
        for (int n = 0; n < count; n++)
        {
            if (!core[n]) continue;
            int i = n % g.Nx, j = n / g.Nx % g.Ny, k = n / plane;
            if (i + 1 < g.Nx && core[n + 1]) Union(n, n + 1);
            if (j + 1 < g.Ny && core[n + g.Nx]) Union(n, n + g.Nx);
            if (k + 1 < planes && core[n + plane]) Union(n, n + plane);
        }
        // best[root] = the smallest global index of the body as known so far.
        var best = new int[count];
        Array.Fill(best, int.MaxValue);
        int offset = slabs.ZStart * plane;
        for (int n = 0; n < count; n++)
            if (core[n]) best[Find(n)] = Math.Min(best[Find(n)], offset + n);

        var send = new int[plane];
        var receive = new int[plane];
        int Lowered(int first)
        {
            int changed = 0;
            for (int n = 0; n < plane; n++)
            {
                int c = first + n;
                if (!core[c] || receive[n] < 0) continue;
                int r = Find(c);
                if (receive[n] < best[r]) { best[r] = receive[n]; changed++; }
            }
            return changed;
        }
        int below = slabs.GhostBelow == 1 ? slabs.Rank - 1 : mpi.NoRank, above = slabs.GhostAbove == 1 ? slabs.Rank + 1 : mpi.NoRank;
        for (rounds = 1; ; rounds++)
        {
            int changed = 0;
            // Up: my top plane's labels → the rank above compares them with its bottom plane.
            for (int n = 0; n < plane; n++) { int c = count - plane + n; send[n] = core[c] ? best[Find(c)] : -1; }
            Array.Fill(receive, -1);
            mpi.Exchange(send, above, receive, below, tag: 3);
            changed += Lowered(0);
            // Down: my bottom plane's labels → the rank below compares them with its top plane.
            for (int n = 0; n < plane; n++) send[n] = core[n] ? best[Find(n)] : -1;
            Array.Fill(receive, -1);
            mpi.Exchange(send, below, receive, above, tag: 4);
            changed += Lowered(count - plane);
            if (mpi.Sum(changed) == 0) break;
        }
        var labels = new int[count];
        for (int n = 0; n < count; n++) labels[n] = core[n] ? best[Find(n)] : -1;
        return labels;
    }
}
