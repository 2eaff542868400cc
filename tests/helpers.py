"""Helpers shared by the tests: edited copies of scenario text, stage results of a scenario,
and the one bad-input assertion of the command line."""

from __future__ import annotations

from gigaplan import pipeline
from gigaplan.assumptions import Assumptions

__all__ = ["assert_bad_input", "edited", "invoke", "money_of", "power_of", "schedule_of",
           "stages"]


def invoke(*args: str):
    """``gigaplan ARGS...`` in this process (typer's CliRunner); the result has ``exit_code``,
    ``stdout``, ``stderr`` and ``output``."""
    from typer.testing import CliRunner

    from gigaplan.cli import app

    return CliRunner().invoke(app, list(args))


def edited(text: str, old: str, new: str, count: int = 1) -> str:
    """``text`` with ``old`` replaced by ``new``; fails if ``old`` is not there ``count`` times."""
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times, expected {count}"
    return text.replace(old, new)


def stages(scenario, a: Assumptions | None = None, overrides=None):
    """Every stage of ``scenario`` (a Scenario or a built-in name), no files written."""
    from gigaplan.scenario import Scenario, load_scenario

    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return pipeline.stages(s, pipeline.assumptions_for(s, overrides, a))


def power_of(scenario, a: Assumptions | None = None):
    """The facility stage of ``scenario``."""
    from gigaplan import facility, fleet

    return facility.build(scenario, fleet.build(scenario), a or Assumptions())


def assert_bad_input(result, message: str, code: int = 2) -> None:
    """A command's exit code (2: bad input), the message on stderr, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def money_of(scenario, a: Assumptions | None = None):
    """The finance stage of ``scenario`` as tables of its one sample: ``yearly`` (cashflow.csv),
    ``blocks``, ``contracts``, ``npv_usd``, ``irr`` (None: none) and ``run`` (every stage)."""
    from types import SimpleNamespace

    import numpy as np

    r = stages(scenario, a)
    f = r.finance
    irr, payback = float(f.irr[0]), int(f.payback_year[0])
    return SimpleNamespace(yearly=f.yearly_frame(), blocks=f.blocks_frame(),
                           contracts=f.contract_rows(), npv_usd=float(f.npv_usd[0]),
                           irr=None if np.isnan(irr) else irr,
                           payback_year=None if payback < 0 else payback, run=r)


def schedule_of(scenario, a: Assumptions | None = None):
    """The workloads table (workloads.csv) of ``scenario``."""
    return stages(scenario, a).training.table()
