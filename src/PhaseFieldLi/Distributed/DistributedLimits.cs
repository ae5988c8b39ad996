using PhaseFieldLi.Cases;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// What a case may use on several ranks: the electrodeposition model (either potential solver; the
/// multigrid runs as DistributedMultigrid). The mechanics (nodal displacement
/// fields with their own halo and multigrid) runs on one rank only; such cases are refused before
/// any rank starts work.
/// </summary>
public static class DistributedLimits
{
    /// <summary>Throws the one error a case gets when it cannot run on `ranks` ranks.</summary>
    public static void Check(Case c, int ranks)
    {
        if (ranks <= 1) return;
        if (c.Physics != Physics.Electrodeposition)
            throw new CaseException("physics", c.Physics == Physics.Fracture ? "\"fracture\"" : "\"coupled\"",
                $"the mechanics runs on one rank only (its displacement field and multigrid are not decomposed); on {ranks} ranks use physics = \"electrodeposition\"");
    }
}
