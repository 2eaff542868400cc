"""The main job: scenario -> stages -> tables, a summary and a report in an output folder.

The only module that connects the engines, in one direction::

    fleet -> facility -> serving -> training -> reliability -> finance -> headline, summary (-> report)

Each stage takes its part of the scenario, the upstream results and one
:class:`~gigaplan.assumptions.Assumptions` (a value, or an array over samples, for every
parameter) and returns a typed result with a leading sample axis. :func:`run` is what
``gigaplan run`` and ``make run`` call; it is usable from a notebook too::

    >>> result = gigaplan.pipeline.run("fluidstack-2026", None)
    >>> result.headline.owned_it_gw
    1.4
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import facility, montecarlo, portfolio, reliability, training
from .assumptions import Assumptions
from .chain import STAGES, stages
from .errors import GigaplanError
from .fileio import FileError, os_error
from .results import RunResult
from .scenario import Scenario, load_scenario
from .summary import results

__all__ = ["OUTPUT_FILES", "OutputError", "STAGES", "Sweeps", "assumptions_for", "run", "stages",
           "write"]

SUMMARY_FILE = "summary.json"
#: Every file a run writes, in the order :func:`write` writes them.
OUTPUT_FILES = ("summary.json", "blocks.csv", "installed_by_year.csv", "fleet.parquet",
                "facility_by_year.csv", "cashflow.csv", "workloads.csv", "reliability.csv",
                "bands.parquet", "sensitivity.csv", "report.html")


class OutputError(FileError):
    """An output folder that cannot be written (exit 2 for a bad path or permission, 1 when
    the machine fails: a full disk, an I/O error)."""


@dataclass(frozen=True)
class Sweeps:
    """What the report plots beyond the stage results, each computed once by an engine:
    AC vs HVDC losses of the largest site, time to train against accelerators, and the
    reliability curves."""

    distribution: facility.DistributionComparison | None
    scaling: object
    reliability: reliability.Sweeps | None


def assumptions_for(scenario: Scenario, overrides: Mapping[str, object] | None = None,
                    base: Assumptions | None = None) -> Assumptions:
    """The assumptions of a run: ``base`` (default: the shipped values), the scenario's
    ``[parameters]`` table, then ``overrides`` (``--set``), each checked."""
    a = Assumptions() if base is None else base
    if scenario.parameters:
        a = a.updated(scenario.parameters, origin=f"{scenario.source} [parameters]")
    if overrides:
        a = a.updated(overrides, origin="--set")
    return a


def sweeps(r: RunResult) -> Sweeps:
    """The report's extra curves for run ``r`` (its first sample)."""
    return Sweeps(distribution=facility.distribution_comparison(r.scenario, r.fleet,
                                                                r.assumptions),
                  scaling=training.scaling_curves(r.workloads, r.assumptions),
                  reliability=reliability.sweeps(r.fleet, r.workloads, r.assumptions))


def run(scenario: Scenario | str | Path, out_dir: str | Path | None = "gigaplan-out", *,
        report: bool = True, progress: Callable[[str], None] | None = None,
        assumptions: Assumptions | None = None,
        overrides: Mapping[str, object] | None = None, samples: int | None = None,
        seed: int | None = None, method: str | None = None, distribution: str | None = None,
        sensitivity_samples: int | None = None, workers: int | None = None,
        scheduler: str | None = None) -> RunResult:
    """Run every stage of ``scenario`` and, if ``out_dir`` is given, write the outputs there.

    ``assumptions`` (default: the shipped values) with the scenario's ``[parameters]`` and
    ``overrides`` applied. With sampled assumptions every stage and the headline carry the
    sample axis; such a run has no ``summary`` and writes nothing (``out_dir`` must be None).

    ``samples`` (default: the scenario's ``[uncertainty] samples``; 0: none) Monte Carlo draws
    of every uncertain input after the central run (:func:`gigaplan.montecarlo.run`, with
    ``seed``, ``method``, ``distribution``, on a dask cluster with ``workers`` or
    ``scheduler``): the summary gains P10/P50/P90 of every figure, ``bands.parquet`` the
    series' bands; ``sensitivity_samples`` (default: the scenario's) > 0 adds Sobol' indices.
    Files: see :data:`OUTPUT_FILES` and :func:`write`. ``progress(step)`` is called as each
    step starts.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    a = assumptions_for(scenario, overrides, assumptions)
    if a.sampled and out_dir is not None:
        raise GigaplanError("a run over samples writes no files: pass out_dir=None and read "
                            "the result's arrays")
    target = None if out_dir is None else check_output_dir(out_dir)
    result = stages(scenario, a, progress)
    cfg = scenario.uncertainty
    n = cfg.samples if samples is None else samples
    if n and not a.sampled:
        _ranges(result, n, progress, seed=seed, method=method, distribution=distribution,
                workers=workers, scheduler=scheduler, sensitivity_samples=(
                    cfg.sensitivity_samples if sensitivity_samples is None
                    else sensitivity_samples))
    if report:
        result.sweeps = sweeps(result)
        result.portfolio = portfolio.analyse(result)
    if target is not None:
        write(result, target, report=report, progress=progress)
    return result


def _ranges(result: RunResult, n: int, progress, *, sensitivity_samples: int,
            **options) -> None:
    """The Monte Carlo run, the sensitivity indices and the swings of ``result``'s inputs."""
    step = progress or (lambda name: None)
    s, a = result.scenario, result.assumptions
    where = {k: options[k] for k in ("workers", "scheduler")}
    step(f"sampling ({n:,} samples)")
    result.montecarlo = montecarlo.run(s, a, n, central=result, **options)
    if sensitivity_samples and len(result.montecarlo.inputs) >= 2:  # else nothing to rank
        step("sensitivity")
        result.sensitivity = montecarlo.sensitivity(
            s, a, n=sensitivity_samples, seed=options["seed"],
            distribution=options["distribution"], **where)
    step("swings")
    result.swings = montecarlo.swings(s, a, distribution=options["distribution"])
    result.summary = results(result)


# --------------------------------------------------------------------------------- output

def check_output_dir(out_dir: str | Path) -> Path:
    """The output folder, checked before any work: a folder (new, empty, or holding only a
    previous run's files), never a file, a device or a dangling link."""
    if str(out_dir).strip() == "":
        raise OutputError("output folder is empty (''): name a folder, e.g. -o gigaplan-out")
    path = Path(out_dir)
    if path.is_symlink() and not path.exists():
        raise OutputError(f"{path}: a dangling symbolic link; name a folder")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder (outputs are a folder of files)")
    if path.is_dir():
        foreign = sorted(p.name for p in path.iterdir() if p.name not in OUTPUT_FILES)
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise OutputError(f"{path}: holds files gigaplan did not write ({shown}); give a "
                              "new or empty folder, or one a previous run wrote")
    return path


def _os_error(exc: OSError, path: Path) -> OutputError:
    e = os_error(exc, path)
    return OutputError(str(e).replace(": cannot write:", ": cannot write the outputs:"),
                       exit_code=e.exit_code)


def write(r: RunResult, out_dir: str | Path, *, report: bool = True,
          progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the outputs of ``r`` into ``out_dir`` as one unit: every file goes to a new
    folder beside it, which replaces ``out_dir`` only once complete, so a reader never sees a
    partial or mixed run (an interrupted write leaves the previous run as it was)."""
    target = check_output_dir(out_dir)
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=parent))
    except OSError as exc:
        raise _os_error(exc, target) from None
    try:
        names = _write_files(r, tmp, report, progress)
        _swap(tmp, target.resolve())
    except OSError as exc:
        raise _os_error(exc, target) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r.files = [target / n for n in names]
    return r.files


def _write_files(r: RunResult, folder: Path, report: bool, progress) -> list[str]:
    """Every output file of ``r`` into ``folder``; returns their names, report first."""
    from .csvsafe import safe_csv

    (folder / SUMMARY_FILE).write_text(r.summary.to_json(), encoding="utf-8")
    safe_csv(r.fleet.blocks, folder / "blocks.csv", index=False)
    flat = r.fleet.installed_by_year.copy()
    flat.columns = [f"{measure}:{owner}" for measure, owner in flat.columns]
    safe_csv(flat, folder / "installed_by_year.csv")
    r.fleet_table.to_parquet(folder / "fleet.parquet", index=False)
    safe_csv(r.facility_by_year, folder / "facility_by_year.csv", index=False)
    safe_csv(r.cashflow, folder / "cashflow.csv", index=False)
    safe_csv(r.workloads, folder / "workloads.csv", index=False)
    safe_csv(r.reliability_table, folder / "reliability.csv", index=False)
    names = list(OUTPUT_FILES[:8])
    if r.montecarlo is not None:
        r.montecarlo.bands_frame().to_parquet(folder / "bands.parquet", index=False)
        names.append("bands.parquet")
    if r.sensitivity is not None:
        safe_csv(r.sensitivity.table, folder / "sensitivity.csv", index=False)
        names.append("sensitivity.csv")
    if report:
        from . import report as _report  # plotly loads only when a report is written

        _report.write(r, folder, progress=progress)
        names.insert(0, _report.REPORT_FILE)
    for name in names:  # durable before the folder is moved into place
        with open(folder / name, "rb") as fh:
            os.fsync(fh.fileno())
    return names


def _swap(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target``, replacing a previous run; Ctrl-C and
    SIGTERM wait until the two renames are done (so the folder is never left without a run)."""
    import signal
    import threading

    mask = {signal.SIGINT, signal.SIGTERM}
    blocking = hasattr(signal, "pthread_sigmask") and threading.current_thread() is \
        threading.main_thread()
    if blocking:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        _replace(new, target)
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _replace(new: Path, target: Path) -> None:
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / "run")
    try:
        os.replace(new, target)
    except OSError:
        os.replace(old / "run", target)  # put the previous run back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)

