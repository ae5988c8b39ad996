namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Non-dimensional parameters the kernels see (made once, in PhaseFieldLi.Models.Scaling).
/// Units inside kernels: length = grid spacing h, time = 1 s, potential = RT/F,
/// conductivity = σ_LLZO (the reference conductivity).
/// </summary>
public readonly record struct LiPhaseParameters(
    /// <summary>L_σ·W [1/s]: double-well relaxation rate.</summary>
    float RelaxationRate,
    /// <summary>L_σ·κ/h² [1/s]: gradient (curvature) rate.</summary>
    float GradientRate,
    /// <summary>L_η [1/s]: kinetic mobility, closed form i₀V_m/(3Fδ).</summary>
    float KineticRate,
    /// <summary>Butler–Volmer transfer coefficient α.</summary>
    float Alpha,
    /// <summary>1: Li may deposit only where m(d) = d² (or in reservoirs); 0: anywhere.</summary>
    int Confine,
    /// <summary>ξ above which cells connect into one metal body.</summary>
    float LabelThreshold,
    /// <summary>ξ above which a cell joins a neighbouring body as its diffuse rim; below it a cell
    /// belongs to no body and gets no Faradaic term.</summary>
    float RimThreshold,
    /// <summary>V_m·E_LLZO/(RT): the overpotential shift V_m p/F in RT/F per unit of kernel pressure
    /// (stress unit E_LLZO); 0 without mechanics.</summary>
    float PressurePotential = 0f,
    /// <summary>ξ_f: residual-film floor in LLZO cells that once held Li (history &gt; ½); 0 = off.</summary>
    float FilmFloor = 0f,
    /// <summary>Thin-sheet Li in cracked LLZO: the crack faces' reaction factor 6δ/h; 0 = off.</summary>
    float SheetReactivity = 0f,
    /// <summary>ξ_s = t_edge/h: the fill at which a sheet covers its cell (the sheet edge's thickness).</summary>
    float SheetEdgeFill = 0.1f,
    /// <summary>Cleavage-normal axis (0, 1, 2) a sheet edge does not advance along; −1: every axis.</summary>
    int SheetNormalAxis = -1,
    /// <summary>1: a crack-plane cell reacts as a sheet only where its neighbours across the plane hold
    /// no Li (ξ ≤ ½; LiPhase.ReactsAsSheet); 0: every crack-plane cell does.</summary>
    int SheetNeedsEmptyNeighbours = 0);
