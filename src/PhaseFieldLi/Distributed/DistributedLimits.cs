using PhaseFieldLi.Cases;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// What a case may use on several ranks: the electrodeposition model with the Jacobi-preconditioned
/// CG potential solve. The multigrid preconditioner (its coarse levels would have to be gathered onto
/// fewer ranks) and the mechanics (nodal displacement fields with their own halo and multigrid) run
/// on one rank only; such cases are refused before any rank starts work.
/// </summary>
public static class DistributedLimits
{
    public static CaseException Solver(int ranks) => new("solver.method", "\"mgcg\"",
        $"the multigrid preconditioner runs on one rank only (its coarse levels are not gathered across ranks); on {ranks} ranks use method = \"jacobi-cg\"");

    /// <summary>Throws the one error a case gets when it cannot run on `ranks` ranks.</summary>
    public static void Check(Case c, int ranks)
    {
        if (ranks <= 1) return;
        if (c.Physics != Physics.Electrodeposition)
            throw new CaseException("physics", c.Physics == Physics.Fracture ? "\"fracture\"" : "\"coupled\"",
                $"the mechanics runs on one rank only (its displacement field and multigrid are not decomposed); on {ranks} ranks use physics = \"electrodeposition\"");
        if (c.Solver.Method != PotentialSolver.JacobiCg) throw Solver(ranks);
    }
}
