using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Kernels.Solvers;

/// <summary>
/// A symmetric dense matrix times a vector (the coarsest multigrid level's inverse): row i read as
/// column i, M[j n + i], so that on a device consecutive threads read consecutive addresses. The dot
/// runs in double with j in order, the same on every backend.
/// </summary>
public static class Dense
{
    public static float Row<TD, TF>(TD matrix, TF r, int i, int n) where TD : struct, IView<double> where TF : struct, IView<float>
    {
        double sum = 0.0;
        for (int j = 0; j < n; j++) sum += matrix[j * n + i] * r[j];
        return (float)sum;
    }
}
