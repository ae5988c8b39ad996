#!/usr/bin/env bash
# Checks a GPU backend against the host backend, then times it at scale. Run from the repository root:
#   bash tools/gpu-check.sh [BACKEND] [OUTDIR]          (defaults: cuda, runs/gpu-check)
# PHASEFIELD and PHASEFIELD_BENCH may name published executables instead of `dotnet run` (a machine
# without .NET: publish self-contained, copy, set PHASEFIELD=/path/to/phasefield).
# PARTS (default "compare scale cpu") picks the sections; add "suites" for the BenchmarkDotNet suites.
# 1. compare: `phasefield compare` on the quickstart (electrodeposition, MG-CG potential) on BACKEND
#    (30 steps) and on opencl (10 steps; on a GPU machine OpenCL often reaches only a CPU device),
#    and on the leaf case (coupled: elasticity + damage + growth strain): the same steps on the
#    backend and on cpu, the largest difference of every field (exit 5 above --tolerance, relative).
# 2. scale: `phasefield bench` on the quickstart refined to 128×128×256, 256×256×512 and
#    512×512×1024 (the sizes): s/step, Newton and linear iterations per step, unconverged
#    solves, time per linear iteration against its counted-bytes floor at memcpy speed, launches
#    and syncs per step.
#    LAUNCHES (default "cell stride") repeats the two largest grids with each ILGPU launch shape
#    (PHASEFIELD_LAUNCH: one thread per cell, or grid-stride loops).
#    CG_CHECKS (default "4") repeats the quickstart and 256×256×512 with CG reading its residual back
#    every k-th iteration instead of every one (PHASEFIELD_CG_CHECK_EVERY=k: fewer waits, up to k − 1
#    more iterations).
# 3. cpu: the same table for the host backend on this machine's cores (CPU node vs GPU).
# 4. coupled (not by default): `phasefield bench` on the leaf case (coupled electro-chemo-mechanics)
#    refined to 128×128×384 and 256×256×256 cells at its own 1 µm spacing: the step, the staggered
#    u–d iterations per step, the elastic MG-CG from u = 0 (ms per iteration, launches and syncs per
#    iteration) and the field memory per cell.
# 5. profile (not by default): PHASEFIELD_PROFILE=1 bench at 256×256×512: time per kernel (rule),
#    each launch synchronised (so the step itself is slower), for deciding which kernel to speed up.
# 6. seed (not by default): the seed-scale issue's runs, each with its wall time: the leaf case with
#    the implicit Li creep flow (mechanics.li_creep=true) to 1500 s, compared on cpu for 3 steps
#    first (and with the crack's mouth open and a 105 MPa yield stress, 3 steps), and Sneddon's penny crack at a/ℓ = 30 (cases/sneddon-penny-128.toml, 128³ cells).
# 7. paper (not by default): the seed's leaf at the paper's scale (cases/leaf-paper-scale.toml, 256³
#    cells at h = 2 µm, creep on): one step timed by `bench` (at most 2 min), then the run itself for
#    at most 6 min of wall time (--wall-time: checkpointed, exit 75 if it did not finish; the time
#    series and the snapshots so far are written either way; continue with --resume): at most 8 min
#    for the part's own steps. tools/leaf_report.py (Python's standard library only) prints the
#    run's column of docs/validation.md's paper table.
set -u
backend=${1:-cuda}
out=${2:-runs/gpu-check}
parts=${PARTS:-"compare scale cpu"}
pf=${PHASEFIELD:-"dotnet run -c Release --project src/PhaseFieldLi.Cli --"}
bench=${PHASEFIELD_BENCH:-"dotnet run -c Release --project bench/PhaseFieldLi.Bench --"}
mkdir -p "$out"
status=0
step() { echo; echo "### $*"; local t0=$SECONDS; "$@"; local rc=$?; echo "### exit $rc after $((SECONDS - t0)) s"; [ $rc -eq 0 ] || status=1; }
has() { case " $parts " in *" $1 "*) return 0;; *) return 1;; esac; }

# The quickstart refined: cells nx ny nz, spacing, end time.
refined() {
  sed -e "s/^cells = .*/cells = [$1, $2, $3]/" -e "s/^spacing = .*/spacing = $4/" -e "s/^name = .*/name = \"quickstart-$1x$2x$3\"/" \
      -e "s/^output_interval = .*/output_interval = 0/" cases/quickstart.toml > "$out/quickstart-$1x$2x$3.toml"
  echo "$out/quickstart-$1x$2x$3.toml"
}

step $pf devices
# Sums, maxima, body labelling and the Li creep flow on the GPU and on OpenCL against known answers.
step $pf devices --check --backend "$backend"
step $pf devices --check --backend opencl

if has compare; then
  step $pf compare cases/quickstart.toml --backend "$backend" --steps 30 --tolerance 1e-4 --output "$out/compare-quickstart"
  step $pf compare cases/quickstart.toml --backend opencl --steps 10 --tolerance 1e-4 --output "$out/compare-quickstart-opencl"
  # Coupled (potential, Li phase, elasticity, fracture): the leaf case, first steps.
  step $pf compare cases/leaf-dendrite-3d.toml --backend "$backend" --steps 3 --output "$out/compare-coupled"
fi

if has scale; then
  step $pf bench cases/quickstart.toml --backend "$backend" --steps 20
  step $pf bench "$(refined 128 128 256 0.9375e-6)" --backend "$backend" --steps 5
  for launch in ${LAUNCHES:-cell stride}; do
    export PHASEFIELD_LAUNCH=$launch
    echo "### launch shape: $launch"
    step $pf bench "$(refined 256 256 512 0.46875e-6)" --backend "$backend" --steps 5
    step timeout 300 $pf bench "$(refined 512 512 1024 0.234375e-6)" --backend "$backend" --steps 2
  done
  unset PHASEFIELD_LAUNCH
  for k in ${CG_CHECKS:-4}; do
    export PHASEFIELD_CG_CHECK_EVERY=$k
    echo "### CG residual readback every $k iterations"
    step $pf bench cases/quickstart.toml --backend "$backend" --steps 20
    step $pf bench "$(refined 256 256 512 0.46875e-6)" --backend "$backend" --steps 5
  done
  unset PHASEFIELD_CG_CHECK_EVERY
fi

if has cpu; then
  step $pf bench cases/quickstart.toml --backend cpu --steps 10
  step $pf bench "$(refined 128 128 256 0.9375e-6)" --backend cpu --steps 3
  step timeout 180 $pf bench "$(refined 256 256 512 0.46875e-6)" --backend cpu --steps 2
fi

if has coupled; then
  for dims in "128 128 384" "256 256 256"; do
    set -- $dims
    sed -e "s/^cells = .*/cells = [$1, $2, $3]/" -e "s/^name = .*/name = \"leaf-$1x$2x$3\"/" -e "s/^output_interval = .*/output_interval = 0/" \
      cases/leaf-dendrite-3d.toml > "$out/leaf-$1x$2x$3.toml"
    step timeout 240 $pf bench "$out/leaf-$1x$2x$3.toml" --backend "$backend" --steps 1
  done
fi

if has seed; then
  step $pf compare cases/leaf-dendrite-3d.toml mechanics.li_creep=true --backend "$backend" --steps 3 --output "$out/compare-creep"
  step $pf compare cases/leaf-dendrite-3d.toml mechanics.li_creep=true mechanics.li_creep_electrodes=true mechanics.li_creep_yield_stress=105e6 \
    --backend "$backend" --steps 3 --output "$out/compare-creep-mouth-yield"
  step timeout 480 $pf run cases/leaf-dendrite-3d.toml mechanics.li_creep=true --backend "$backend" --output "$out/leaf-creep"
  step python3 tools/leaf_report.py "$out/leaf-creep"
  step timeout 480 $pf run cases/sneddon-penny-128.toml --backend "$backend" --output "$out/sneddon-128"
fi

if has paper; then
  step timeout 120 $pf bench cases/leaf-paper-scale.toml --backend "$backend" --steps 1
  step $pf run cases/leaf-paper-scale.toml --backend "$backend" --wall-time 360 --output "$out/leaf-paper-scale"
  step python3 tools/leaf_report.py "$out/leaf-paper-scale"
fi

if has profile; then
  PHASEFIELD_PROFILE=1 step $pf bench "$(refined 256 256 512 0.46875e-6)" --backend "$backend" --steps 2
fi

if has suites; then
  export PFLI_BENCH_BACKEND="$backend"
  PFLI_BENCH_SIZES=128,256 step $bench --filter '*KernelBenchmarks*' --inProcess --job short
  PFLI_SOLVER_CASES="128:mg-cg,256:mg-cg,256:mg,128:jacobi-cg" step $bench --filter '*SolverBenchmarks*' --inProcess
fi
exit $status
