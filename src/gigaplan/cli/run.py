"""Scenario commands: ``init``, ``validate``, ``schema`` and ``run`` (with its terminal summary,
read from the run's :class:`~gigaplan.results.Results` by attribute)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import GigaplanError, UnknownNameError
from .app import DEFAULT_SCENARIO, app, emit_json, err, guarded, out

__all__ = ["init", "parse_sets", "run", "sampling_options", "schema", "validate"]


@app.command()
@guarded
def init(
    name: Annotated[Optional[str], typer.Argument(
        help=f"Built-in scenario to start from (default {DEFAULT_SCENARIO}).")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",
                                                   help="File to write (default NAME.toml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    from_deal: Annotated[Optional[str], typer.Option(
        "--from-deal", help="A deal of the ledger (gigaplan deals) to write as a contract.")
    ] = None,
) -> None:
    """Write a built-in scenario, or a deal of the ledger as a contract, as an editable,
    commented TOML file."""
    from ..datafiles import scenario_names, scenario_text
    from ..fileio import write_text_atomic

    if from_deal is not None:
        if name is not None:
            raise GigaplanError("give a scenario name or --from-deal, not both")
        from ..deal_scenario import scenario_text as deal_text

        text, what = deal_text(from_deal), f"deal {from_deal}"
        name = from_deal
    else:
        name = DEFAULT_SCENARIO if name is None else name
        names = scenario_names()
        if name not in names:
            raise UnknownNameError("scenario", name, names)
        text, what = None, f"built-in scenario {name}"
    target = output if output is not None else Path(f"{name}.toml")
    if str(target).strip() in ("", "."):
        raise GigaplanError("-o: name a file to write, e.g. -o my-scenario.toml")
    if target.exists() and not force:
        raise GigaplanError(f"{target}: already exists (use --force to overwrite)")
    write_text_atomic(target, scenario_text(name) if text is None else text)
    out.print(f"wrote {target} (from {what}); check it with: "
              f"gigaplan validate {target}")


@app.command()
@guarded
def validate(file: Annotated[str, typer.Argument(help="Scenario file (.toml, .yaml, .json) or built-in name.")]) -> None:
    """Check a scenario file; exit 2 with every problem listed if it is invalid."""
    from ..scenario import load_scenario

    s = load_scenario(file)
    phases = sum(len(site.phases) for site in s.sites)
    out.print(f"ok: {s.source}: scenario {s.name!r}, {len(s.sites)} sites ({phases} phases), "
              f"{len(s.contracts)} contracts, {len(s.workloads)} workloads, "
              f"{len(s.parameters)} parameters set, {len(s.uncertain)} uncertain values; "
              f"{len(s.assumption_paths())} values marked as assumptions")


@app.command()
@guarded
def schema(
    results: Annotated[bool, typer.Option(
        "--results", help="The schema of summary.json instead of scenario files.")] = False,
    problem: Annotated[bool, typer.Option(
        "--problem", help="The schema of gigaplan optimize problem files.")] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion), of summary.json, or of
    optimize problem files."""
    if results and problem:
        raise GigaplanError("give --results or --problem, not both")
    if results:
        from ..results import Results

        doc, title = Results.model_json_schema(), "gigaplan summary.json"
    elif problem:
        from ..optimize import OptimizeProblem

        doc, title = OptimizeProblem.model_json_schema(), "gigaplan optimize problem"
    else:
        from ..scenario import Scenario

        doc, title = Scenario.model_json_schema(), "gigaplan scenario"
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = title
    emit_json(doc)


def parse_sets(values: list[str] | None) -> dict[str, str]:
    """``--set NAME=VALUE`` options as a dict; ``VALUE`` may be ``LOW..HIGH`` for a range."""
    parsed: dict[str, object] = {}
    for text in values or []:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise GigaplanError(f"--set {text!r}: expected NAME=VALUE, e.g. "
                                "--set reliability.restart_minutes=3 (names: gigaplan catalog "
                                "parameters)")
        low, dots, high = value.partition("..")
        parsed[name.strip()] = ({"low": low.strip(), "high": high.strip()} if dots
                                else value.strip())
    return parsed


def sampling_options(samples, seed, method, distribution, workers, scheduler) -> dict:
    """The sampling options of ``run`` and ``sensitivity``, checked (exit 2 when wrong)."""
    from ..uncertainty import DISTRIBUTIONS, METHODS

    if samples is not None and samples < 2:
        raise GigaplanError(f"--samples {samples}: expected at least 2 (use --no-samples for "
                            "the central run only)")
    if seed is not None and not 0 <= seed < 2**63:
        raise GigaplanError(f"--seed {seed}: expected 0 to 2^63 - 1")
    for flag, value, allowed in (("--method", method, METHODS),
                                 ("--distribution", distribution, DISTRIBUTIONS)):
        if value is not None and value not in allowed:
            raise UnknownNameError(flag.lstrip("-"), value, list(allowed))
    if workers is not None and not 1 <= workers <= 1024:
        raise GigaplanError(f"--workers {workers}: expected 1 to 1024")
    if scheduler is not None and "://" not in scheduler:
        raise GigaplanError(f"--scheduler {scheduler!r}: expected an address like "
                            "tcp://HOST:8786")
    out = {"samples": samples, "seed": seed, "method": method, "distribution": distribution,
           "workers": workers, "scheduler": scheduler}
    return {k: v for k, v in out.items() if v is not None}


class _Progress:
    """Progress of a run on stderr: a bar on a terminal; elsewhere one plain line per step
    once the run has taken a few seconds; nothing with ``--quiet``."""

    def __init__(self, quiet: bool):
        self.quiet, self.t0, self.last = quiet, time.monotonic(), 0.0
        self.bar = self.task = None

    def __enter__(self):
        if not self.quiet and err.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description:<24}"), BarColumn(),
                                TimeElapsedColumn(), console=err, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task("loading scenario", total=None)
        return self

    def __call__(self, step: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=step)
            return
        now = time.monotonic()
        if not self.quiet and now - self.t0 > 3.0 and now - self.last > 2.0:
            self.last = now
            print(f"gigaplan: {step} ({now - self.t0:.0f} s)", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _terminate(signum, frame):  # SIGTERM ends a run as Ctrl-C does: outputs are cleaned up
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not escape cleanup
    raise KeyboardInterrupt


@app.command()
@guarded
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")] = DEFAULT_SCENARIO,
    output: Annotated[str, typer.Option("-o", "--output", help="Output folder.")] = "gigaplan-out",
    sets: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Set a model parameter for this run: NAME=VALUE (repeatable; a range "
                      "as NAME=LOW..HIGH). Names: gigaplan catalog parameters.")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write report.html.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the headline only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout instead of tables.")] = False,
    samples: Annotated[Optional[int], typer.Option(
        "--samples", help="Monte Carlo samples of every uncertain input (default: the "
                          "scenario's [uncertainty] samples); at least 2.")] = None,
    no_samples: Annotated[bool, typer.Option(
        "--no-samples", help="The central run only, even if the scenario asks for samples.")] = False,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of the sampling.")] = None,
    method: Annotated[Optional[str], typer.Option(
        "--method", help="Sampling: lhs (Latin hypercube), sobol or random.")] = None,
    distribution: Annotated[Optional[str], typer.Option(
        "--distribution", help="Of the parameters' ranges: pert, triangular or uniform.")] = None,
    sensitivity: Annotated[Optional[int], typer.Option(
        "--sensitivity", help="Sobol' base samples N for 'What moves the answer' (0: none).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", help="Run the samples on a local dask cluster of N processes.")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", envvar="GIGAPLAN_SCHEDULER",
        help="Run the samples on a running dask cluster (tcp://HOST:PORT).")] = None,
) -> None:
    """Run a scenario: write the outputs and report.html to a folder and print a summary."""
    from .. import pipeline

    overrides = parse_sets(sets)
    options = sampling_options(samples, seed, method, distribution, workers, scheduler)
    if no_samples:
        options["samples"] = 0
    if sensitivity is not None:
        if sensitivity < 0 or sensitivity == 1:
            raise GigaplanError(f"--sensitivity {sensitivity}: expected 0 (none) or at least 2 "
                                "base samples")
        options["sensitivity_samples"] = sensitivity
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            with _Progress(quiet or as_json) as progress:
                result = pipeline.run(scenario, output, report=not no_report,
                                      progress=progress, overrides=overrides, **options)
        finally:  # a signal while restoring the handler is still an interruption, caught below
            signal.signal(signal.SIGTERM, previous)
    except KeyboardInterrupt:
        err.print("interrupted: the output folder holds one whole run (the previous one, or "
                  "this one if it was already in place), never a part of one")
        raise typer.Exit(130) from None
    if as_json:
        sys.stdout.write(result.summary.to_json())
        return
    from .summary import print_run

    print_run(result, quiet=quiet)
