using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the elasticity multigrid's coarse stiffness and nodal transfers (kernels: Solvers/ElasticTransfer.cs).</summary>
public interface IElasticTransferOperations
{
    void ElasticStiffnessFactor(in ElasticSystem m, Field<float> factor);
    void CoarsenCells(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField);
    void EffectiveDamage(Field<float> factor, Field<float> damage, float residualStiffness);
    void NodalRestrict(GridShape fineNodes, GridShape coarseNodes, Field<float> fine, Field<float> coarse);
    void NodalProlongAdd(GridShape coarseNodes, GridShape fineNodes, Field<float> coarse, Field<float> fine);
}

public partial class Operations<TF, TI>
{
    public void ElasticStiffnessFactor(in ElasticSystem m, Field<float> factor) =>
        b.ForEach(new StiffnessFactorRule<TF, TI> { Xi = F(m.Xi), Damage = F(m.Damage), Material = I(m.Material), P = m.P, Factor = F(factor) },
            m.Cells.Count);

    public void CoarsenCells(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField) =>
        b.ForEachCell(new CoarsenCellsRule<TF> { Fine = fine, Coarse = coarse, FineField = F(fineField), CoarseField = F(coarseField) }, coarse);

    public void EffectiveDamage(Field<float> factor, Field<float> damage, float residualStiffness) =>
        b.ForEach(new EffectiveDamageRule<TF> { Factor = F(factor), Damage = F(damage), ResidualStiffness = residualStiffness }, factor.Length);

    public void NodalRestrict(GridShape fineNodes, GridShape coarseNodes, Field<float> fine, Field<float> coarse) =>
        b.ForEachCell(new NodalRestrictRule<TF> { FineNodes = fineNodes, CoarseNodes = coarseNodes, Fine = F(fine), Coarse = F(coarse) }, coarseNodes);

    public void NodalProlongAdd(GridShape coarseNodes, GridShape fineNodes, Field<float> coarse, Field<float> fine) =>
        b.ForEachCell(new NodalProlongAddRule<TF> { FineNodes = fineNodes, CoarseNodes = coarseNodes, Fine = F(fine), Coarse = F(coarse) }, fineNodes);
}
