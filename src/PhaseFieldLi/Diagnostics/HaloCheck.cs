using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Distributed;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// `phasefield mpi-check CASE`: every operation whose rule reads a field at its neighbours runs on this
/// rank's slab with stale ghost planes, against the same operation on the whole grid in this process.
/// Before each one, the ghost planes of every field that changes during a run (ξ, φ, σ, a, the
/// right-hand sides, the labels, the solver vectors, the displacement) are overwritten with NaN (labels
/// with a body that does not exist). Each binder fills the ghosts its rule reads in its declared halo
/// step (Backends/Operations); a rule that reads a ghost plane nobody declared sees the NaN, and its
/// owned cells then differ from the whole-grid answer. Cell values must agree bit for bit (the slab's
/// host passes are the whole grid's lane by lane), global sums to 1e-6 (their order differs).
/// </summary>
public static class HaloCheck
{
    public sealed record Result(string Operation, bool Passed, string Detail);

    public static IReadOnlyList<Result> Run(Mpi mpi, Case c)
    {
        var slabs = new SlabDecomposition(c.Grid.Shape, mpi.Rank, mpi.Size);
        var partition = new SlabPartition(mpi, slabs);
        using var slabBackend = SlabBackend.Wrap(new HostBackend(), partition);
        using var wholeBackend = new HostBackend();
        using var slab = new ElectrodepositionModel(c, slabBackend);
        using var whole = new ElectrodepositionModel(c, wholeBackend);
        using var slabMechanics = c.Mechanics != null ? new FractureModel(slab) : null;
        using var wholeMechanics = c.Mechanics != null ? new FractureModel(whole) : null;
        var results = new List<Result>();
        var local = partition.Local;
        var global = partition.Global;
        int below = slabs.GhostBelow, owned = slabs.OwnedPlanes;

        // Global cell index of each held cell of this slab.
        int Global(int n) => n + (slabs.ZStart - below) * global.Plane;
        bool IsGhost(int n) => n / local.Plane < below || n / local.Plane >= below + owned;

        void Poison(Field<float> f)
        {
            var a = f.ToArray();
            for (int n = 0; n < a.Length; n++) if (IsGhost(n)) a[n] = float.NaN;
            f.Upload(a);
        }
        void PoisonInt(Field<int> f)
        {
            var a = f.ToArray();
            for (int n = 0; n < a.Length; n++) if (IsGhost(n)) a[n] = int.MaxValue;
            f.Upload(a);
        }
        void PoisonAll(State s, params Field<float>[] more)
        {
            foreach (var f in new[] { s.Xi, s.Phi, s.PhiB, s.Sigma, s.Shift, s.RhsA, s.Rate, s.LiHistory }.Concat(more)) Poison(f);
            PoisonInt(s.Label);
        }
        // Owned cells (or, with ghosts, every held cell) of a slab field against the whole grid's.
        string? Differs<T>(string name, Field<T> a, Field<T> w, bool ghosts = false) where T : unmanaged, IEquatable<T>
        {
            var sa = a.ToArray();
            var wa = w.ToArray();
            int bad = 0, first = -1;
            for (int n = 0; n < sa.Length; n++)
            {
                if (!ghosts && IsGhost(n)) continue;
                int gz = slabs.ZStart - below + n / local.Plane;
                if (gz < 0 || gz >= global.Nz) continue;
                if (!sa[n].Equals(wa[Global(n)])) { bad++; if (first < 0) first = n; }
            }
            return bad == 0 ? null : $"{name}: {bad} cells differ, first at local index {first}";
        }
        void Check(string operation, params string?[] faults)
        {
            var found = faults.Where(f => f != null).ToArray();
            bool passed = mpi.Sum(found.Length) == 0;
            results.Add(new Result(operation, passed, found.Length == 0 ? "owned cells identical" : string.Join("; ", found)));
        }
        string? Near(string name, double a, double w) =>
            Math.Abs(a - w) <= 1e-6 * Math.Max(1, Math.Abs(w)) ? null : $"{name}: {a:R} against {w:R}";

        var (so, wo) = (slab.Ops, whole.Ops);
        var (ss, ws) = (slab.State, whole.State);

        // Work arrays: one on the slab, one on the whole grid, freed with the models.
        var held = new List<IDisposable>();
        (Field<float> Slab, Field<float> Whole) Pair(string name)
        {
            var pair = (slabBackend.Float(name, local.Count), wholeBackend.Float(name, global.Count));
            held.Add(pair.Item1);
            held.Add(pair.Item2);
            return pair;
        }

        // A field that varies in every cell (its ghost planes are then visibly wrong when stale).
        void Smooth(Field<float> a, Field<float> w, double phase)
        {
            var wa = new float[global.Count];
            for (int n = 0; n < wa.Length; n++) wa[n] = (float)Math.Sin(0.37 * n + phase);
            w.Upload(wa);
            var sa = new float[local.Count];
            for (int n = 0; n < sa.Length; n++)
            {
                int gz = slabs.ZStart - below + n / local.Plane;
                sa[n] = gz >= 0 && gz < global.Nz ? wa[Global(n)] : 0f;
            }
            a.Upload(sa);
        }

        PoisonAll(ss);
        so.AssembleCharge(ss, local, slab.Li, slab.Scaling.Charge, -1);
        wo.AssembleCharge(ws, global, whole.Li, whole.Scaling.Charge, -1);
        Check("AssembleCharge (ξ before; σ after, ghosts included)", Differs("σ", ss.Sigma, ws.Sigma, ghosts: true),
            Differs("a", ss.Shift, ws.Shift), Differs("rhs_A", ss.RhsA, ws.RhsA));

        PoisonAll(ss);
        so.LiPhaseRate(ss, local, slab.Li);
        wo.LiPhaseRate(ws, global, whole.Li);
        Check("LiPhaseRate (ξ)", Differs("∂ξ/∂t", ss.Rate, ws.Rate));

        so.ResetLabels(ss, local, slab.Li.LabelThreshold);
        wo.ResetLabels(ws, global, whole.Li.LabelThreshold);
        PoisonAll(ss);
        int sweeps = 0;
        while (so.PropagateLabels(ss, local, slab.Li.LabelThreshold, slab.Li.RimThreshold) > 0 && ++sweeps < 10_000) { }
        while (wo.PropagateLabels(ws, global, whole.Li.LabelThreshold, whole.Li.RimThreshold) > 0) { }
        Check("PropagateLabels (ξ, labels)", Differs("label", ss.Label, ws.Label));

        PoisonAll(ss);
        long tip = so.Tip(ss, local, Bodies.Negative), wholeTip = wo.Tip(ws, global, Bodies.Negative);
        Check("Tip (ξ)", tip == wholeTip ? null : $"tip key {tip} against {wholeTip}");

        // The Helmholtz passes of the potential and damage solves, on the assembled σ and a.
        var (sp, wp) = Pair("p");
        var (sq, wq) = Pair("q");
        var (sl, wl) = Pair("x_lo");
        var spec = OperatorSpec.Default;
        Smooth(sp, wp, 0.0);
        PoisonAll(ss, sp);
        so.AssembleCharge(ss, local, slab.Li, slab.Scaling.Charge, -1);
        double dot = so.MatVec(local, spec, ss.Sigma, ss.Shift, sp, sq), wholeDot = wo.MatVec(global, spec, ws.Sigma, ws.Shift, wp, wq);
        Check("MatVec (p)", Differs("A p", sq, wq), Near("p·A p", dot, wholeDot));

        Smooth(sp, wp, 1.0);
        PoisonAll(ss, sp, sq);
        so.AssembleCharge(ss, local, slab.Li, slab.Scaling.Charge, -1);
        double rr = so.Residual(local, spec, ss.Sigma, ss.Shift, ss.RhsA, sp, sq), wholeRr = wo.Residual(global, spec, ws.Sigma, ws.Shift, ws.RhsA, wp, wq);
        Check("Residual (x)", Differs("b − A x", sq, wq), Near("r·r", rr, wholeRr));

        Smooth(sl, wl, 2.0);
        PoisonAll(ss, sp, sq, sl);
        so.AssembleCharge(ss, local, slab.Li, slab.Scaling.Charge, -1);
        rr = so.PreciseResidual(local, spec, ss.Sigma, ss.Shift, ss.RhsA, sp, sl, sq);
        wholeRr = wo.PreciseResidual(global, spec, ws.Sigma, ws.Shift, ws.RhsA, wp, wl, wq);
        Check("PreciseResidual (x_hi, x_lo)", Differs("b − A(x_hi + x_lo)", sq, wq), Near("r·r", rr, wholeRr));

        for (int colour = 0; colour < 2; colour++)
        {
            PoisonAll(ss, sp);
            so.AssembleCharge(ss, local, slab.Li, slab.Scaling.Charge, -1);
            so.GaussSeidel(local, spec, ss.Sigma, ss.Shift, ss.RhsA, sp, colour);
            wo.GaussSeidel(global, spec, ws.Sigma, ws.Shift, ws.RhsA, wp, colour);
            Check($"GaussSeidel colour {colour} (x)", Differs("x", sp, wp));
        }

        if (slabMechanics != null && wholeMechanics != null)
        {
            // K u on the nodes: u varies at every node; the slab's nodal ghost planes are made stale.
            var nodes = slabMechanics.Nodes;
            var wholeNodes = wholeMechanics.Nodes;
            var wu = new float[3 * wholeNodes.Count];
            for (int n = 0; n < wu.Length; n++) wu[n] = 1e-3f * (float)Math.Sin(0.11 * n);
            var su = new float[3 * nodes.Count];
            int nodeBelow = below * nodes.Plane, offset = (slabs.ZStart - below) * nodes.Plane;
            int ownedNodes = slabs.OwnedNodePlanes * nodes.Plane;
            for (int comp = 0; comp < 3; comp++)
            for (int n = 0; n < nodes.Count; n++)
            {
                bool ownedNode = n >= nodeBelow && n < nodeBelow + ownedNodes;
                su[comp * nodes.Count + n] = ownedNode ? wu[comp * wholeNodes.Count + n + offset] : float.NaN;
            }
            wholeMechanics.Displacement.Upload(wu);
            slabMechanics.Displacement.Upload(su);
            using var sf = slabBackend.Float("force", su.Length);
            using var wf = wholeBackend.Float("force", wu.Length);
            so.ElasticForce(slabMechanics.System, slabMechanics.Displacement, sf, mask: true);
            wo.ElasticForce(wholeMechanics.System, wholeMechanics.Displacement, wf, mask: true);
            var fa = sf.ToArray();
            var fw = wf.ToArray();
            int bad = 0;
            for (int comp = 0; comp < 3; comp++)
            for (int n = nodeBelow; n < nodeBelow + ownedNodes; n++)
                if (fa[comp * nodes.Count + n] != fw[comp * wholeNodes.Count + n + offset]) bad++;
            Check("ElasticForce (u at the nodes)", bad == 0 ? null : $"K u: {bad} owned node components differ");

            // The Li creep flow on a crack in the plane normal to x at i = 0 (its faces run along y and z,
            // across the slabs): a sheet of varying ξ and pressure.
            var flow = Scaling.LiFlow(new LiCreepLaw(), 298.15, c.Mechanics!.YoungLlzoPa, slab.Scaling.Li.SheetEdgeFill, normalAxis: 0);
            var (sd, wd) = Pair("d");
            var (sx, wx) = Pair("xi");
            var (sr, wr) = Pair("rate");
            var (sm, wm) = Pair("limit");
            var (sn, wn) = Pair("limit2");
            void Sheet(Field<float> a, Field<float> w, Func<float, float> value, double phase)
            {
                Smooth(a, w, phase);
                foreach (var (f, shape) in new[] { (a, local), (w, global) })
                {
                    var v = f.ToArray();
                    for (int n = 0; n < v.Length; n++) v[n] = n % shape.Nx == 0 ? value(v[n]) : 0f;
                    f.Upload(v);
                }
            }
            Sheet(sd, wd, _ => 1f, 0.0);
            Sheet(sx, wx, v => 0.3f + 0.25f * v, 1.0);
            Sheet(sp, wp, v => 2e-3f * (1.1f + v), 2.0);  // the pressure, in E_LLZO (hundreds of MPa)
            Sheet(sq, wq, v => 500f + 100f * v, 3.0);     // p̂¹ [MPa]
            PoisonAll(ss, sd, sx, sp, sq, sm);
            so.LiFlowRate(local, sx, sp, sd, ss.Material, sm, sr, flow, 1e-3f);
            wo.LiFlowRate(global, wx, wp, wd, ws.Material, wm, wr, flow, 1e-3f);
            Check("LiFlowRate (ξ, p, d, λ)", Differs("∂ξ/∂t", sr, wr));
            PoisonAll(ss, sd, sx, sp, sq, sm);
            so.LiFlowOperator(local, sx, sp, sd, ss.Material, sq, sr, flow, 1e-3f, inverseDiagonal: false);
            wo.LiFlowOperator(global, wx, wp, wd, ws.Material, wq, wr, flow, 1e-3f, inverseDiagonal: false);
            Check("LiFlowOperator (ξ, p̂⁰, d, x)", Differs("A x", sr, wr));
            PoisonAll(ss, sd, sx, sp, sq, sm, sn);
            so.LiFlowImplicitRate(local, sx, sp, sq, sd, ss.Material, sm, sn, sr, flow, 1e-3f);
            wo.LiFlowImplicitRate(global, wx, wp, wq, wd, ws.Material, wm, wn, wr, flow, 1e-3f);
            Check("LiFlowImplicitRate (ξ, p̂⁰, p̂¹, d, λ)", Differs("∂ξ/∂t", sr, wr));
        }
        foreach (var f in held) f.Dispose();
        return results;
    }
}
