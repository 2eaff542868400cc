"""The chain of stages, in one direction::

    fleet -> facility -> serving -> training -> reliability -> finance -> headline (-> summary)

Each stage takes its part of the scenario, the upstream results and one
:class:`~gigaplan.assumptions.Assumptions`, and returns a typed result with a leading sample
axis. :mod:`gigaplan.pipeline` (one run and its files) and :mod:`gigaplan.montecarlo` (samples
of a run) both call :func:`stages`; nothing else connects the engines.

A run that differs from an earlier one of the same scenario only in some parameters re-runs
from the first stage that reads them (:func:`first_stage`) and takes the stages before it from
the earlier run (``reuse``): a finance parameter re-runs finance alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import facility, finance, fleet, reliability, serving, training
from .assumptions import SIZING_PARAMETERS, Assumptions
from .results import RunResult
from .scenario import Scenario
from .summary import headline, results

__all__ = ["STAGES", "first_stage", "stages"]

#: The stages, in order (names passed to ``progress``).
STAGES = ("fleet", "facility", "serving", "training", "reliability", "finance")

#: The first stage that reads each parameter group: the fleet is sized with the IT shares
#: (SIZING_PARAMETERS), the facility reads facility.*, serving serving.*, the training
#: schedule training.* and reliability.* (each run's goodput), finance finance.*.
_FIRST = {"facility": "facility", "serving": "serving", "training": "training",
          "reliability": "training", "finance": "finance"}


def first_stage(names: Iterable[str]) -> str:
    """The first stage of :data:`STAGES` that reads any of the parameters ``names`` (dotted
    names); ``"fleet"`` for a name it does not know, so an unknown change re-runs everything."""
    order = []
    for name in names:
        group = name.partition(".")[0]
        order.append(0 if name in SIZING_PARAMETERS or group not in _FIRST
                     else STAGES.index(_FIRST[group]))
    return STAGES[min(order)] if order else STAGES[-1]


def stages(scenario: Scenario, a: Assumptions,
           progress: Callable[[str], None] | None = None, *, summary: bool = True,
           reuse: RunResult | None = None, start: str = "fleet") -> RunResult:
    """Every stage of ``scenario`` under ``a`` (no files written); the summary too for an
    unsampled run unless ``summary`` is False.

    With ``reuse`` (an earlier run of the same scenario whose assumptions differ from ``a``
    only in parameters no stage before ``start`` reads: see :func:`first_stage`), the stages
    before ``start`` are taken from it and only ``start`` and those after it run."""
    if start not in STAGES:
        raise ValueError(f"start {start!r}: expected one of {', '.join(STAGES)}")
    k = STAGES.index(start) if reuse is not None else 0
    if reuse is not None and (reuse.scenario is not scenario or reuse.sampled != a.sampled):
        raise ValueError("reuse: an earlier run of this same scenario object, sampled alike")
    step = progress or (lambda name: None)
    old = reuse

    def ran(i: int, name: str, build):
        if i < k:
            return getattr(old, name)
        step(name)
        return build()

    fl = ran(0, "fleet", lambda: fleet.build(scenario, a))
    fa = ran(1, "facility", lambda: facility.build(scenario, fl, a))
    sv = ran(2, "serving", lambda: serving.build(scenario, fl, a))
    tr = ran(3, "training", lambda: training.schedule(scenario, fl, fa, a, reserved=sv.reserved))
    re = ran(4, "reliability", lambda: reliability.build(scenario, fl, tr, a))
    fi = ran(5, "finance", lambda: finance.build(scenario, fl, fa, re, a, serving=sv))
    h = headline(scenario, fl, fa, tr, re, fi, a)
    out = RunResult(scenario=scenario, assumptions=a, fleet=fl, facility=fa, training=tr,
                    reliability=re, finance=fi, headline=h, serving=sv)
    if summary and not a.sampled:
        out.summary = results(out)
    return out
