using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Operators;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of vector algebra and per-body sums, cell by cell (kernels: Operators/CellwiseRules.cs).</summary>
public interface ICellwiseOperations
{
    double BodySum(Field<float> f, Field<int> label, int body);
    double ColumnSum(Field<float> f, Field<int> label, int body, GridShape g, int i, int j);
    void Axpy(float a, Field<float> x, Field<float> y);
    double Dot(Field<float> x, Field<float> y);
    /// <summary>x·y into register <paramref name="register"/> of s (no host wait on a device).</summary>
    void DotInto(Field<float> x, Field<float> y, DeviceScalars s, int register);
    void Axpby(float a, Field<float> x, float b, Field<float> y);
    void Multiply(Field<float> d, Field<float> x, Field<float> y);
    void Copy(Field<float> x, Field<float> y);
    void Reciprocal(Field<float> x);
    void Fill(Field<float> f, float value);
}

public partial class Operations<TF, TI>
{
    public double BodySum(Field<float> f, Field<int> label, int body) =>
        b.Sum(new BodySumRule<TF, TI> { Field = F(f), Label = I(label), Body = body }, f.Length);

    public double ColumnSum(Field<float> f, Field<int> label, int body, GridShape g, int i, int j) =>
        b.Sum(new ColumnSumRule<TF, TI> { Grid = g, Field = F(f), Label = I(label), Body = body, I = i, J = j }, g.Count);

    public void Axpy(float a, Field<float> x, Field<float> y) =>
        b.ForEach(new AxpyRule<TF> { X = F(x), Y = F(y), A = a }, x.Length);

    public double Dot(Field<float> x, Field<float> y) => b.Sum(new DotRule<TF> { X = F(x), Y = F(y) }, x.Length);

    public void DotInto(Field<float> x, Field<float> y, DeviceScalars s, int register) =>
        b.SumInto(new DotRule<TF> { X = F(x), Y = F(y) }, x.Length, s, register);

    public void Axpby(float a, Field<float> x, float c, Field<float> y) =>
        b.ForEach(new AxpbyRule<TF> { X = F(x), Y = F(y), A = a, B = c }, x.Length);

    public void Multiply(Field<float> d, Field<float> x, Field<float> y) =>
        b.ForEach(new MultiplyRule<TF> { D = F(d), X = F(x), Y = F(y) }, x.Length);

    public void Copy(Field<float> x, Field<float> y) => b.ForEach(new CopyRule<TF> { X = F(x), Y = F(y) }, x.Length);

    public void Reciprocal(Field<float> x) => b.ForEach(new ReciprocalRule<TF> { X = F(x) }, x.Length);

    public void Fill(Field<float> f, float value) => b.ForEach(new FillRule<TF> { F = F(f), Value = value }, f.Length);
}
