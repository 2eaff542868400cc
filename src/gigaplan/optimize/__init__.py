"""Where and when to build: capacity expansion as a mixed-integer programme (HiGHS).

:func:`load_problem` reads a problem (:mod:`~gigaplan.optimize.problem`),
:func:`build_inputs` prices every candidate with gigaplan's engines
(:mod:`~gigaplan.optimize.inputs`), :func:`solve` finds the least-cost plan
(:mod:`~gigaplan.optimize.model`), :func:`gigaplan.optimize.plan.optimize` writes it as a
scenario that ``gigaplan run`` accepts, runs it and checks every claim against the run
(:mod:`~gigaplan.optimize.check`); :mod:`~gigaplan.optimize.values` prices the binding limits
by solving again and :mod:`~gigaplan.optimize.stochastic` plans over Monte Carlo samples.
"""

from .inputs import Inputs, build_inputs, periods
from .model import GROUPS, InfeasibleError, Solution, solve
from .problem import OptimizeProblem, load_problem, problem_names

__all__ = ["GROUPS", "InfeasibleError", "Inputs", "OptimizeProblem", "Solution",
           "build_inputs", "load_problem", "periods", "problem_names", "solve"]
