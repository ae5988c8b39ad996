using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of Q1 elasticity: element passes once per colour 0…7 (kernels: Physics/Elasticity.cs).</summary>
public interface IElasticityOperations
{
    void ElasticForce(in ElasticSystem m, Field<float> u, Field<float> f, bool mask);
    void ElasticDiagonal(in ElasticSystem m, Field<float> diagonal);
    void ElasticLoad(in ElasticSystem m, Field<float> f);
    void ElasticConstraint(in ElasticSystem m, Field<float> source, Field<float> target, bool copy);
    double ElasticState(in ElasticSystem m, Field<float> u, Field<float> history, Field<float> vonMises, Field<float> pressure,
        Field<float> energy);
}

/// <summary>What every elastic element pass reads: grids, loads, parameters and the cell fields ξ, d, material.</summary>
public readonly record struct ElasticSystem(GridShape Cells, GridShape Nodes, ElasticBoundary Boundary, MechanicsParameters P,
    Field<float> Xi, Field<float> Damage, Field<int> Material, Field<float> InitialXi);

public partial class Operations<TF, TI>
{
    /// <summary>Launches a finite-element pass (cells adding into their corner nodes) over the elements of `cells`.</summary>
    protected virtual void ForEachElement<TRule>(TRule rule, GridShape cells) where TRule : struct, IGridRule => b.ForEachCell(rule, cells);

    public virtual void ElasticForce(in ElasticSystem m, Field<float> u, Field<float> f, bool mask)
    {
        Halo.FillNodeGhosts(u); // neighbour reads: u at the elements' corner nodes
        var rule = new ElasticForceRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Damage = F(m.Damage),
            Material = I(m.Material), U = F(u), F = F(f), Mask = mask ? 1 : 0,
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticDiagonal(in ElasticSystem m, Field<float> diagonal)
    {
        var rule = new ElasticDiagonalRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, P = m.P, Xi = F(m.Xi), Damage = F(m.Damage), Material = I(m.Material),
            Diagonal = F(diagonal),
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticLoad(in ElasticSystem m, Field<float> f)
    {
        var rule = new ElasticLoadRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Xi0 = F(m.InitialXi), Damage = F(m.Damage),
            Material = I(m.Material), F = F(f),
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticConstraint(in ElasticSystem m, Field<float> source, Field<float> target, bool copy) =>
        b.ForEachCell(new ElasticConstraintRule<TF> { Nodes = m.Nodes, Boundary = m.Boundary, Source = F(source), Target = F(target), Copy = copy ? 1 : 0 },
            m.Nodes);

    public virtual double ElasticState(in ElasticSystem m, Field<float> u, Field<float> history, Field<float> vonMises, Field<float> pressure,
        Field<float> energy)
    {
        Halo.FillNodeGhosts(u); // neighbour reads: u (the owned cells' top corners are the node plane above)
        return b.SumCells(new ElasticStateRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Xi0 = F(m.InitialXi), Damage = F(m.Damage),
            Material = I(m.Material), U = F(u), History = F(history), VonMises = F(vonMises), Pressure = F(pressure),
            Energy = F(energy),
        }, m.Cells);
    }
}
