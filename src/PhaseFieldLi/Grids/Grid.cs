using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Grids;

/// <summary>
/// Uniform cell-centred grid. Cell (i, j, k) has its centre at ((i+½)h, (j+½)h, (k+½)h) [m]; the
/// electrodes sit at z = 0 (negative) and z = Nz·h (positive), so the cell current flows along z.
/// </summary>
public sealed record Grid(int Nx, int Ny, int Nz, double SpacingM)
{
    public GridShape Shape => new(Nx, Ny, Nz);
    public int CellCount => Nx * Ny * Nz;
    public double CellVolumeM3 => SpacingM * SpacingM * SpacingM;
    /// <summary>Electrode (x–y) cross-section [m²].</summary>
    public double CrossSectionM2 => Nx * Ny * SpacingM * SpacingM;
    public (double X, double Y, double Z) ExtentM => (Nx * SpacingM, Ny * SpacingM, Nz * SpacingM);
    public (double X, double Y, double Z) CellCentreM(int i, int j, int k) =>
        ((i + 0.5) * SpacingM, (j + 0.5) * SpacingM, (k + 0.5) * SpacingM);
}
