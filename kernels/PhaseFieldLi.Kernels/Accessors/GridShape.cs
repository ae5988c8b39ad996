namespace PhaseFieldLi.Kernels.Accessors;

/// <summary>
/// Cell-centred uniform grid of Nx × Ny × Nz cells; linear index idx = i + Nx (j + Ny k), so x is the
/// fastest index and the HDF5 datasets are [k][j][i] (C order). See NOTATION.md.
/// </summary>
public readonly struct GridShape(int nx, int ny, int nz)
{
    public readonly int Nx = nx, Ny = ny, Nz = nz;

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
