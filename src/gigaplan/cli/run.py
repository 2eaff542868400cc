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

__all__ = ["init", "parse_sets", "run", "schema", "validate"]


@app.command()
@guarded
def init(
    name: Annotated[str, typer.Argument(help="Built-in scenario to start from.")] = DEFAULT_SCENARIO,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",
                                                   help="File to write (default NAME.toml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a built-in scenario as an editable, commented TOML file."""
    from ..datafiles import scenario_names, scenario_text
    from ..fileio import write_text_atomic

    names = scenario_names()
    if name not in names:
        raise UnknownNameError("scenario", name, names)
    target = output if output is not None else Path(f"{name}.toml")
    if str(target).strip() in ("", "."):
        raise GigaplanError("-o: name a file to write, e.g. -o my-scenario.toml")
    if target.exists() and not force:
        raise GigaplanError(f"{target}: already exists (use --force to overwrite)")
    write_text_atomic(target, scenario_text(name))
    out.print(f"wrote {target} (from built-in scenario {name}); check it with: "
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
              f"{len(s.parameters)} parameters set; "
              f"{len(s.assumption_paths())} values marked as assumptions")


@app.command()
def schema(
    results: Annotated[bool, typer.Option(
        "--results", help="The schema of summary.json instead of scenario files.")] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion), or of summary.json."""
    if results:
        from ..results import Results

        doc, title = Results.model_json_schema(), "gigaplan summary.json"
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
) -> None:
    """Run a scenario: write the outputs and report.html to a folder and print a summary."""
    from .. import pipeline

    overrides = parse_sets(sets)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with _Progress(quiet or as_json) as progress:
            result = pipeline.run(scenario, output, report=not no_report, progress=progress,
                                  overrides=overrides)
    except KeyboardInterrupt:
        err.print("interrupted: the output folder holds one whole run (the previous one, or "
                  "this one if it was already in place), never a part of one")
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        sys.stdout.write(result.summary.to_json())
        return
    from .summary import print_run

    print_run(result, quiet=quiet)
