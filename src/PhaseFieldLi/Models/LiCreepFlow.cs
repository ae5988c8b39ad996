using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Models;

/// <summary>
/// The Li sheets' creep flow along their cracks (kernels: Physics/LiFlow.cs), one implicit step at a
/// time: the sheet pressures at the step's end solved by Jacobi-preconditioned CG (LiFlowImplicitRule,
/// mobilities of the step's start), then the Li moved by the face fluxes they drive — conservative,
/// limited so that no cell goes below empty, and stable for any Δt. Where the mouths are open
/// (LiFlowParameters.OpenToElectrodes) a crack's sheet also exchanges Li with the electrode's Li it
/// touches, a reservoir at its pressure; the exchange is counted (LastElectrodeInflow). Owns its work arrays on the backend
/// (9 arrays per cell: p̂⁰, p̂¹, 1/diag, λ, ∂ξ/∂t and CG's 4).
/// </summary>
public sealed class LiCreepFlow : IDisposable
{
    private readonly IOperations _ops;
    private readonly GridShape _grid;
    private readonly Field<float> _p0, _p1, _inverseDiagonal, _limit, _rate;
    private readonly ConjugateGradient _cg;

    /// <summary>Relative residual the step's pressures are solved to (its Li moves conservatively whatever the residual).</summary>
    public const double Tolerance = 1e-5;

    public LiCreepFlow(Backend backend, IOperations ops, GridShape grid, LiFlowParameters parameters)
    {
        _ops = ops;
        _grid = grid;
        Parameters = parameters;
        _p0 = backend.Float("li_flow_p0", grid.Count);
        _p1 = backend.Float("li_flow_p1", grid.Count);
        _inverseDiagonal = backend.Float("li_flow_inv_diag", grid.Count);
        _limit = backend.Float("li_flow_limit", grid.Count);
        _rate = backend.Float("li_flow_rate", grid.Count);
        _cg = new ConjugateGradient(backend, ops, grid.Count, new DiagonalPreconditioner(ops, _inverseDiagonal));
    }

    public LiFlowParameters Parameters { get; }

    /// <summary>The last step's pressure solve (default before the first).</summary>
    public SolveReport LastSolve { get; private set; }

    /// <summary>∂ξ/∂t of the last step (or of the last <see cref="MaxExplicitRatePerS"/>) [1/s].</summary>
    public Field<float> Rate => _rate;

    /// <summary>
    /// The largest |∂ξ/∂t| of the explicit flow at this ξ and pressure, before any limiting [1/s]: how
    /// stiff the flow is (1/this is the longest stable explicit step).
    /// </summary>
    public double MaxExplicitRatePerS(Field<float> xi, Field<float> pressure, Field<float> damage, Field<int> material)
    {
        _ops.LiFlowRate(_grid, xi, pressure, damage, material, _limit, _rate, Parameters, 1e-30f);
        return _ops.MaxAbs(_rate);
    }

    /// <summary>
    /// ξ += Δt ∂ξ/∂t of one implicit step. The pressure is that of the last mechanics solve; where the
    /// phase-field step just taken deposited Li at <paramref name="depositionRate"/> [1/s] over the same
    /// Δt (after that solve), the sheet starts the step at that pressure plus K̂ Δt ∂ξ/∂t, so the flow moves
    /// the Li deposited in this step within it (null: nothing deposited since the solve).
    /// </summary>
    public void Advance(Field<float> xi, Field<float> pressure, Field<float> damage, Field<int> material, double dtS,
        Field<float>? depositionRate = null)
    {
        float dt = (float)dtS;
        var p = Parameters;
        _ops.LiSheetPressure(_grid, xi, pressure, depositionRate ?? xi, depositionRate == null ? 0f : dt, damage, material, _p0, p);
        _ops.LiFlowOperator(_grid, xi, _p0, damage, material, _p0, _inverseDiagonal, p, dt, inverseDiagonal: true);
        // b = p̂⁰, plus the electrodes' pressures through open mouths (in _rate until the rate overwrites it)
        var rhs = _p0;
        if (p.OpenToElectrodes != 0)
        {
            _ops.LiFlowRightHandSide(_grid, xi, _p0, damage, material, _rate, p, dt);
            rhs = _rate;
        }
        _cg.Prepare(new Step(this, xi, damage, material, dt));
        // from p̂¹ = 0, whose residual is ‖b‖ (from p̂⁰ it would be Δt K̂ L p̂⁰, up to 10³ times larger)
        LastSolve = _cg.SolveFromZero(rhs, _p1, Tolerance, 10 * (_grid.Nx + _grid.Ny + _grid.Nz));
        // (1/diag A is spent: it is the limiter's scratch)
        _ops.LiFlowImplicitRate(_grid, xi, _p0, _p1, damage, material, _limit, _inverseDiagonal, _rate, p, dt);
        _ops.Axpy(dt, _rate, xi);
        LastMaxChange = dtS * _ops.MaxAbs(_rate);
        // Σ ∂ξ/∂t is the mouths' net inflow (the faces between sheet cells cancel, to float rounding)
        LastElectrodeInflow = p.OpenToElectrodes != 0 ? _ops.BodySum(_rate, material, Bodies.AllCells) : 0.0;
    }

    /// <summary>
    /// The Li the last step's flow took in from the electrodes through open crack mouths, as Σ ∂ξ/∂t over
    /// the cells [cell volumes/s]; negative where the cracks vent into the electrodes. 0 with closed mouths.
    /// </summary>
    public double LastElectrodeInflow { get; private set; }

    /// <summary>The largest |Δξ| the last step gave a cell.</summary>
    public double LastMaxChange { get; private set; }

    /// <summary>The step's operator A (SPD) at the step's start.</summary>
    private sealed class Step(LiCreepFlow f, Field<float> xi, Field<float> damage, Field<int> material, float dt) : ILinearOperator
    {
        public void Apply(Field<float> p, Field<float> q, DeviceScalars s, int register)
        {
            f._ops.LiFlowOperator(f._grid, xi, f._p0, damage, material, p, q, f.Parameters, dt, inverseDiagonal: false);
            f._ops.DotInto(p, q, s, register);
        }

        public double Residual(Field<float> b, Field<float> x, Field<float> r)
        {
            f._ops.LiFlowOperator(f._grid, xi, f._p0, damage, material, x, r, f.Parameters, dt, inverseDiagonal: false);
            f._ops.Axpby(1f, b, -1f, r);
            return f._ops.Dot(r, r);
        }
    }

    public void Dispose()
    {
        _cg.Dispose(); // its diagonal preconditioner does not own the diagonal
        foreach (var f in new[] { _p0, _p1, _inverseDiagonal, _limit, _rate }) f.Dispose();
    }
}
