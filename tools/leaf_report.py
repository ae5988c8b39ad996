"""The paper's leaf table for one run: front speeds, eq. 1, thickness, extent, cell voltage.

Usage: /usr/bin/python3 tools/leaf_report.py RUN [--normal x|y|z] [--molar-volume M3_PER_MOL]

Reads RUN/timeseries.csv (and the grid from RUN/fields.xdmf) of a coupled leaf run and prints, as
Markdown, the column docs/validation.md's "The seed's leaf: the paper against the solver" table
asks for, measured while the crack is inside its domain (from the first row to the last before
the crack's mirrored width reaches the mirrored domain's, i.e. a free face):
  - front speeds: the leaf's and the crack's edges (half the rate of their mirrored widths, a
    least-squares slope over the window) and the sheet's tip (tip_height_m);
  - eq. 1, j = F v / V_m (z = 1), from those speeds, against the Faradaic current density the
    solver puts through the sheet's edge (tip_current_density_A_per_m2: its range and time mean);
  - thickness and extent of the leaf (Li) and of the crack band (d > 1/2), mirrored;
  - the cell voltage and the Li pressure (largest cell / mean over the Li-bearing cells).
Every quantity comes from columns the solver writes; nothing is fitted but the slopes.
"""
import argparse
import csv
import math
import os
import re

FARADAY = 96485.33212


def column(rows, name):
    out = []
    for r in rows:
        v = r.get(name, "")
        out.append(float(v) if v not in ("", None) else math.nan)
    return out


def slope(t, y):
    """Least-squares slope of y(t) over the finite points; nan with fewer than two."""
    pts = [(a, b) for a, b in zip(t, y) if math.isfinite(a) and math.isfinite(b)]
    if len(pts) < 2:
        return math.nan
    mt = sum(a for a, _ in pts) / len(pts)
    my = sum(b for _, b in pts) / len(pts)
    den = sum((a - mt) ** 2 for a, _ in pts)
    return sum((a - mt) * (b - my) for a, b in pts) / den if den > 0 else math.nan


def grid(run):
    """Cells (x, y, z) and spacing (x, y, z) from the XDMF index (which lists z y x)."""
    text = open(os.path.join(run, "fields.xdmf")).read()
    dims = [int(v) - 1 for v in re.search(r'Topology[^>]*Dimensions="([^"]+)"', text).group(1).split()][::-1]
    spacing = [float(v) for v in re.search(r'GeometryType="ORIGIN_DXDYDZ">.*?<DataItem[^>]*>[^<]*</DataItem>\s*<DataItem[^>]*>([^<]*)<',
                                             text, re.S).group(1).split()]
    return dims, spacing


def span(values, scale=1.0, digits=3):
    v = [x * scale for x in values if math.isfinite(x)]
    if not v:
        return "—"
    lo, hi = min(v), max(v)
    return f"{lo:.{digits}g}" if math.isclose(lo, hi, rel_tol=1e-9) else f"{lo:.{digits}g}–{hi:.{digits}g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("--normal", default="x", choices="xyz", help="the cleavage normal (the cases': x)")
    parser.add_argument("--molar-volume", type=float, default=13.148e-6, help="V_m of Li [m^3/mol] (the case default)")
    a = parser.parse_args()

    rows = list(csv.DictReader(open(os.path.join(a.run, "timeseries.csv"))))
    dims, spacing = grid(a.run)
    normal = "xyz".index(a.normal)
    along = [i for i in range(3) if i != normal][0]  # the first in-plane axis: the solver's "width"
    domain_width = 2 * dims[along] * spacing[along]   # mirrored across the low face
    h = spacing[along]  # widths are whole cells, mirrored: 2h apart

    t = column(rows, "time_s")
    crack_w = column(rows, "crack_width_m")
    # the window: from the start to the last row before the crack first reaches the domain's width
    first_out = next((i for i in range(len(rows)) if crack_w[i] >= domain_width - h), len(rows))
    win = list(range(0, first_out))
    if len(win) < 2:
        raise SystemExit(f"{a.run}: the crack is at the domain's width from the start; no window to measure")
    tw = [t[i] for i in win]

    def sub(name):
        c = column(rows, name)
        return [c[i] for i in win]

    leaf_w, leaf_h, leaf_t = sub("leaf_width_m"), sub("leaf_height_m"), sub("leaf_thickness_m")
    crk_w, crk_h, crk_t = sub("crack_width_m"), sub("crack_height_m"), sub("crack_thickness_m")
    tip = sub("tip_height_m")
    j_edge = sub("tip_current_density_A_per_m2")
    j_n = abs(column(rows, "nominal_current_density_A_per_m2")[0])
    volts = column(rows, "cell_voltage_V")
    p_max, p_mean = sub("max_li_pressure_Pa"), sub("mean_li_pressure_Pa")

    v_leaf = slope(tw, leaf_w) / 2
    v_crack = slope(tw, crk_w) / 2
    v_leaf_up = slope(tw, leaf_h)
    v_tip = slope(tw, tip)
    eq1 = lambda v: FARADAY * v / a.molar_volume
    # time mean of the edge's Faradaic current over the window (trapezoids over finite rows)
    pts = [(x, y) for x, y in zip(tw, j_edge) if math.isfinite(y)]
    j_mean = (sum((b[0] - a_[0]) * (a_[1] + b[1]) / 2 for a_, b in zip(pts, pts[1:])) / (pts[-1][0] - pts[0][0])
              if len(pts) > 1 and pts[-1][0] > pts[0][0] else math.nan)

    um = 1e6
    reached = f"reached the domain's width ({domain_width * um:.0f} µm mirrored) at {t[first_out]:g} s" \
        if first_out < len(rows) else f"inside the domain ({domain_width * um:.0f} µm mirrored) to the end"
    print(f"Run {os.path.basename(os.path.normpath(a.run))}: {len(rows)} rows to {t[-1]:g} s; window 0–{tw[-1]:g} s, "
          f"the crack {reached}; j_n = {j_n:.3g} A/m².")
    print()
    print("| quantity | this run (window) |")
    print("|---|---|")
    print(f"| leaf front speed | leaf edges {v_leaf * um:.2g} µm/s each (width), {v_leaf_up * um:.2g} µm/s (height); "
          f"crack edges {v_crack * um:.2g} µm/s each; sheet tip {v_tip * um:.2g} µm/s |")
    print(f"| tip current density (eq. 1) | from the sheet tip {eq1(v_tip):.3g} A/m² ({eq1(v_tip) / j_n:.2g} j_n); "
          f"from the leaf edges {eq1(v_leaf):.3g} A/m² ({eq1(v_leaf) / j_n:.2g} j_n); Faradaic at the sheet edge "
          f"{span(j_edge)} A/m² (time mean {j_mean:.3g} A/m², {j_mean / j_n:.2g} j_n) |")
    print(f"| thickness | leaf {span(leaf_t, um)} µm; crack band {span(crk_t, um)} µm |")
    print(f"| extent | leaf {span(leaf_w, um)} µm wide × {span(leaf_h, um)} µm high; crack {span(crk_w, um)} µm wide × "
          f"{span(crk_h, um)} µm high |")
    print(f"| cell voltage | {volts[0] * 1e3:.2f} → {volts[win[-1]] * 1e3:.2f} mV in the window "
          f"(range {span([v for v in (volts[i] for i in win)], 1e3, 4)} mV); {volts[-1] * 1e3:.2f} mV at {t[-1]:g} s |")
    print(f"| Li pressure (largest / mean) | {span(p_max, 1e-6)} / {span(p_mean, 1e-6)} MPa |")


if __name__ == "__main__":
    main()
