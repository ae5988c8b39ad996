using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Kernels.Operators;

// Cell-by-cell rules on whole fields (vector algebra of the solvers, fills, copies) and sums over a
// body's or a column's cells: no neighbours are read.

/// <summary>y += a x.</summary>
public struct AxpyRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF X, Y;
    public float A;

    public void Apply(int idx) => Y[idx] += A * X[idx];
}

/// <summary>Σ x·y in double.</summary>
public struct DotRule<TF> : ICellSum where TF : struct, IView<float>
{
    public TF X, Y;

    public double Value(int idx) => (double)X[idx] * Y[idx];
}

/// <summary>Σ f over the cells of one body (Body = Bodies.AllCells: every cell).</summary>
public struct BodySumRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Field;
    public TI Label;
    public int Body;

    public double Value(int idx) => Body == Bodies.AllCells || Label[idx] == Body ? Field[idx] : 0.0;
}

/// <summary>Σ f over the z-column at (I, J) restricted to one body (the current through a tip).</summary>
public struct ColumnSumRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Field;
    public TI Label;
    public int Body, I, J;

    public double Value(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out _);
        return i == I && j == J && Label[idx] == Body ? Field[idx] : 0.0;
    }
}

/// <summary>y = a x + b y.</summary>
public struct AxpbyRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF X, Y;
    public float A, B;

    public void Apply(int idx) => Y[idx] = A * X[idx] + B * Y[idx];
}

/// <summary>y = d ∘ x (elementwise).</summary>
public struct MultiplyRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF D, X, Y;

    public void Apply(int idx) => Y[idx] = D[idx] * X[idx];
}

/// <summary>f = value.</summary>
public struct FillRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF F;
    public float Value;

    public void Apply(int idx) => F[idx] = Value;
}

/// <summary>y = x: the copy kernel whose bandwidth is the yardstick of every benchmark.</summary>
public struct CopyRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF X, Y;

    public void Apply(int idx) => Y[idx] = X[idx];
}

/// <summary>x ← 1/x.</summary>
public struct ReciprocalRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF X;

    public void Apply(int idx) => X[idx] = 1f / X[idx];
}
