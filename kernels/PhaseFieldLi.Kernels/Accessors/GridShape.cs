namespace PhaseFieldLi.Kernels.Accessors;

/// <summary>
/// Cell-centred uniform grid of Nx × Ny × Nz cells; linear index idx = i + Nx (j + Ny k), so x is the
/// fastest index and the HDF5 datasets are [k][j][i] (C order). See NOTATION.md.
/// </summary>
public readonly struct GridShape(int nx, int ny, int nz)
{
    public readonly int Nx = nx, Ny = ny, Nz = nz;

    /// <summary>
    /// Global z index of plane k = 0 when this grid is one rank's slab of a larger one (0 otherwise):
    /// rules that report positions or make labels unique across ranks add it; every stencil sees
    /// only local indices.
    /// </summary>
    public int ZOffset { get; init; }

    public int Count => Nx * Ny * Nz;
    public int Plane => Nx * Ny;

    public int Index(int i, int j, int k) => i + Nx * (j + Ny * k);

    public void Decompose(int idx, out int i, out int j, out int k)
    {
        i = idx % Nx;
        int t = idx / Nx;
        j = t % Ny;
        k = t / Ny;
    }
}
