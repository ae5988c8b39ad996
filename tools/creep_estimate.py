"""What creep flow of Li along a crack needs to feed a leaf at the seed's front speeds.

A leaf front advancing at v behind which a Li sheet of thickness w fills the crack takes a volume flux
q = v w per unit width. Plane Poiseuille flow of a power-law (Norton) solid between crack faces
(kernels/PhaseFieldLi.Kernels/Physics/LiFlow.cs) carries q = C' G^n w^(n+2), with
C' = 3^((n+1)/2) A exp(-Q/RT) / (2^(n+1) (n+2)), G in MPa/m. This prints the gradient G, the wall
shear stress G w/2 and the pressure drop over 100 and 300 um that each (v, w) needs, for the creep
law the solver uses by default (src/PhaseFieldLi/Cases/Case.cs, LiCreepLaw).

usage: python3 tools/creep_estimate.py [n A_per_MPa^n_per_s Q_J_per_mol T_K]
"""
import math
import sys

n, a, q_act, t = (float(x) for x in sys.argv[1:5]) if len(sys.argv) >= 5 else (6.56, 2.23e4, 37e3, 298.15)
c = 3 ** ((n + 1) / 2) * a * math.exp(-q_act / (8.314462618 * t)) / (2 ** (n + 1) * (n + 2))
print(f"creep law: n = {n}, A = {a:g} MPa^-n/s, Q = {q_act:g} J/mol, T = {t} K; C' = {c:.3e}")
print("v [um/s]  w [um]  q [m2/s]   G [MPa/um]  wall shear [MPa]  dp over 100 um [MPa]  over 300 um [MPa]")
for v in (4.5e-6, 8.6e-6):
    for w in (0.5e-6, 1e-6, 2e-6):
        q = v * w
        g = (q / (c * w ** (n + 2))) ** (1 / n)  # MPa/m
        print(f"{v * 1e6:8.1f}  {w * 1e6:6.1f}  {q:.2e}  {g * 1e-6:10.2f}  {g * w / 2:16.2f}  {g * 1e-4:20.0f}  {g * 3e-4:17.0f}")
