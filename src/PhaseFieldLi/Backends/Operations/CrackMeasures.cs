using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of crack and leaf measures (kernels: Physics/CrackMeasures.cs).</summary>
public interface ICrackMeasureOperations
{
    (double Lines, float Extent) CrackLines(GridShape g, Field<float> damage, Field<int> material, int axis);
    long LeafExtent(GridShape g, Field<float> xi, Field<float> damage, Field<int> material, Field<int> label, int axis, int crack,
        int measure, int sheets = 0);
    float MaxLiPressure(Field<float> xi, Field<float> pressure, Field<int> material);
    (double Pressure, double Cells) LiPressureSums(Field<float> xi, Field<float> pressure, Field<int> material);
}

public partial class Operations<TF, TI>
{
    public virtual (double Lines, float Extent) CrackLines(GridShape g, Field<float> damage, Field<int> material, int axis)
    {
        var rule = new CrackLinesRule<TF, TI> { Grid = g, Damage = F(damage), Material = I(material), Axis = axis };
        long extent = b.Max(rule, g.Count);
        return (b.Sum(rule, g.Count), extent == long.MinValue ? 0f : BitConverter.Int32BitsToSingle((int)extent));
    }

    public virtual long LeafExtent(GridShape g, Field<float> xi, Field<float> damage, Field<int> material, Field<int> label, int axis, int crack,
        int measure, int sheets = 0) =>
        b.Max(new LeafExtentRule<TF, TI>
        {
            Grid = g, Xi = F(xi), Damage = F(damage), Material = I(material), Label = I(label), Axis = axis, Crack = crack, Measure = measure,
            Sheets = sheets,
        }, g.Count);

    public float MaxLiPressure(Field<float> xi, Field<float> pressure, Field<int> material) =>
        LiPressureMaxRule<TF, TI>.Decode(b.Max(new LiPressureMaxRule<TF, TI> { Xi = F(xi), Pressure = F(pressure), Material = I(material) },
            xi.Length));

    public (double Pressure, double Cells) LiPressureSums(Field<float> xi, Field<float> pressure, Field<int> material) =>
        b.Sum2(new LiPressureSumsRule<TF, TI> { Xi = F(xi), Pressure = F(pressure), Material = I(material) }, xi.Length);
}
