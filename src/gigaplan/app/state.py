"""What the web app computes, without the web: scenario sources, edits, runs, controls, cards.

Everything a browser session holds is plain data (a :class:`Source`'s text, parameter
overrides, scenario-path values), so the server keeps no session and any number of sessions
share the caches here. A run is cached per scenario text; a change of parameters re-runs the
chain from the first stage that reads them (:func:`gigaplan.chain.first_stage`).

Nothing here reads a path the client names: a built-in scenario is picked by name from
:func:`gigaplan.datafiles.scenario_names`, an upload arrives as bytes and is parsed with the
loader's limits (size, UTF-8, no binary, no YAML aliases, nesting at most 100 levels).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import tomlkit
import yaml

from .. import chain, compare, montecarlo, pipeline
from ..summary import measures
from ..assumptions import catalog as parameter_catalog
from ..datafiles import scenario_names, scenario_text
from ..errors import GigaplanError, ScenarioError
from ..scenario import Scenario, parse_scenario
from ..scenario.loader import decode_scenario
from ..scenario.paths import parse_path

__all__ = ["LRU", "MAX_UPLOAD_BYTES", "Control", "Source", "builtin", "cards", "controls",
           "edited_text", "evaluate", "from_upload", "parse", "pinned_comparison", "problems",
           "ranges", "with_paths"]

#: Largest scenario accepted from the browser (1 MB: the default scenario is ~40 kB).
MAX_UPLOAD_BYTES = 1_000_000
#: How many of the ranked inputs become controls.
CONTROLS = 8
#: Monte Carlo draws behind the app's P10-P90 (about 2 s for the default scenario).
RANGE_SAMPLES = 200
_FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_MARK = "assumption: set in gigaplan app"


@dataclass(frozen=True)
class Source:
    """A scenario as text in ``fmt`` (toml, yaml or json), with a label for people."""

    text: str
    fmt: str
    label: str

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.fmt}\0{self.text}".encode()).hexdigest()

    def to_dict(self) -> dict:
        return {"text": self.text, "fmt": self.fmt, "label": self.label}

    @classmethod
    def from_dict(cls, d: dict) -> Source:
        fmt = d.get("fmt")
        if fmt not in ("toml", "yaml", "json") or not isinstance(d.get("text"), str):
            raise GigaplanError("the page sent a scenario this app did not give it; reload")
        if len(d["text"].encode("utf-8")) > MAX_UPLOAD_BYTES:
            raise GigaplanError(f"a scenario is at most {MAX_UPLOAD_BYTES:,} bytes")
        return cls(d["text"], fmt, str(d.get("label", "scenario"))[:200])


def builtin(name: str) -> Source:
    """A built-in scenario by name (nothing else: names come from the package's list)."""
    if name not in scenario_names():
        raise GigaplanError(f"no built-in scenario {name!r}; built-in: "
                            f"{', '.join(scenario_names())}")
    return Source(scenario_text(name), "toml", f"{name} (built-in)")


def from_upload(contents: str, filename: str) -> Source:
    """The scenario in an upload (a ``data:...;base64,`` URL as the browser reads a file).

    The file name only picks the format (``.toml``, ``.yaml``/``.yml``, ``.json``); it is never
    used as a path. Refused with a :class:`GigaplanError` saying why: too large, not base64,
    binary, not UTF-8, or a format gigaplan does not read; then the scenario is validated."""
    name = str(filename or "upload")[:200]
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix not in _FORMATS:
        raise GigaplanError(f"{name}: expected a .toml, .yaml, .yml or .json scenario")
    head, sep, body = str(contents or "").partition(",")
    if not sep or ";base64" not in head or len(body) > MAX_UPLOAD_BYTES * 4 // 3 + 8:
        raise GigaplanError(f"{name}: too large or unreadable; a scenario upload is at most "
                            f"{MAX_UPLOAD_BYTES:,} bytes")
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise GigaplanError(f"{name}: the upload is not valid base64") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise GigaplanError(f"{name}: {len(data):,} bytes; a scenario upload is at most "
                            f"{MAX_UPLOAD_BYTES:,}")
    src = Source(decode_scenario(data, name), _FORMATS[suffix], name)
    parse(src)  # a ScenarioError lists the problems at their paths
    return src


@lru_cache(maxsize=32)
def _parse(text: str, fmt: str, label: str) -> Scenario:
    return parse_scenario(text, label, fmt=fmt)


def parse(src: Source) -> Scenario:
    """The validated scenario of ``src`` (cached by its text)."""
    return _parse(src.text, src.fmt, src.label)


def problems(src: Source) -> list[tuple[str, str]]:
    """``(field path, message)`` of every problem of ``src``; empty when it is valid."""
    try:
        parse(src)
    except ScenarioError as exc:
        return [(p.path, str(p)) for p in exc.problems]
    except GigaplanError as exc:
        return [("", str(exc))]
    return []


# ----------------------------------------------------------------------------- edits

def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _typed(value, old):
    """``value`` in the type of the field's current value ``old``."""
    if isinstance(old, dt.date):
        return _date(value)
    if isinstance(old, bool):
        return bool(value)
    if isinstance(old, int) and float(value) == int(float(value)):
        return int(float(value))
    return float(value) if isinstance(old, (int, float)) else value


def _drop_uncertain(items, paths) -> None:
    """Remove the ``[[uncertain]]`` entries of ``paths`` (a value set by hand is no longer a
    range)."""
    for i in reversed(range(len(items))):
        if items[i].get("path") in paths:
            del items[i]


def _data(src: Source) -> dict:
    """A YAML or JSON source parsed (the loader has checked it)."""
    return (yaml.safe_load(src.text) if src.fmt == "yaml" else json.loads(src.text)) or {}


def _text(data: dict, fmt: str) -> str:
    return yaml.safe_dump(data, sort_keys=False) if fmt == "yaml" else json.dumps(data, indent=2)


def with_paths(src: Source, paths: dict) -> Source:
    """``src`` with scenario field ``paths`` set (path -> value). TOML keeps every comment and
    mark, and the field set gets ``# assumption: set in gigaplan app``; an ``[[uncertain]]``
    entry on a set path is dropped."""
    if not paths:
        return src
    if src.fmt == "toml":
        doc = tomlkit.parse(src.text)
        for path, value in paths.items():
            *head, last = parse_path(path)
            node = doc
            for step in head:
                node = node[step]
            node[last] = _typed(value, node[last])
            node[last].comment(f"{_MARK} (was {_plain(parse(src), path)})")
        if "uncertain" in doc:
            _drop_uncertain(doc["uncertain"], set(paths))
        return Source(tomlkit.dumps(doc), "toml", src.label)
    data = _data(src)
    for path, value in paths.items():
        *head, last = parse_path(path)
        node = data
        for step in head:
            node = node[step]
        v = _typed(value, node[last])
        node[last] = v.isoformat() if src.fmt == "json" and isinstance(v, dt.date) else v
    _drop_uncertain(data.get("uncertain", []), set(paths))
    return Source(_text(data, src.fmt), src.fmt, src.label)


def _plain(s: Scenario, path: str):
    from ..scenario.paths import value_at

    v = value_at(s, path)
    return v.isoformat() if isinstance(v, dt.date) else v


def edited_text(src: Source, overrides: dict, paths: dict) -> str:
    """The scenario as the app shows it, as a file ``gigaplan validate`` and ``gigaplan run``
    accept: ``paths`` set (:func:`with_paths`) and ``overrides`` in its ``[parameters]`` table,
    each marked as set in the app."""
    out = with_paths(src, paths)
    if not overrides:
        return out.text
    if out.fmt == "toml":
        doc = tomlkit.parse(out.text)
        if "parameters" not in doc:
            doc.add(tomlkit.nl())
            doc.add("parameters", tomlkit.table())
        for name, value in overrides.items():
            doc["parameters"][name] = float(value)
            doc["parameters"][name].comment(_MARK)
        return tomlkit.dumps(doc)
    data = _data(out)
    data.setdefault("parameters", {}).update({k: float(v) for k, v in overrides.items()})
    return _text(data, out.fmt)


# ----------------------------------------------------------------------------- runs

class LRU:
    """A thread-safe mapping that keeps its ``size`` most recently used entries."""

    def __init__(self, size: int):
        self.lock = threading.Lock()
        self.items: OrderedDict = OrderedDict()
        self.size = size

    def get(self, key):
        """The value of ``key`` (now the most recent), or None."""
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            return self.items[key]

    def put(self, key, value) -> list:
        """Store ``value``; returns the keys dropped to stay within ``size``."""
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            dropped = []
            while len(self.items) > self.size:
                dropped.append(self.items.popitem(last=False)[0])
            return dropped

    def keys(self) -> list:
        with self.lock:
            return list(self.items)


class _Runs:
    """Runs by (scenario text, parameter overrides) in an :class:`LRU`, and the latest run of
    each scenario text still held: the one a new change reuses."""

    def __init__(self, size: int = 128):
        self.runs = LRU(size)
        self.latest: dict = {}

    def get(self, key, overrides: dict):
        """(the run of exactly these overrides or None, the latest (overrides, run) or None)."""
        return self.runs.get((key, _frozen(overrides))), self.latest.get(key)

    def put(self, key, overrides: dict, result) -> None:
        dropped = self.runs.put((key, _frozen(overrides)), result)
        self.latest[key] = (dict(overrides), result)
        held = {k for k, _ in self.runs.keys()}
        for old, _ in dropped:
            if old not in held:
                self.latest.pop(old, None)


def _frozen(d: dict) -> tuple:
    return tuple(sorted(d.items()))


_RUNS = _Runs()


def _changed(old: dict, new: dict) -> set[str]:
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def evaluate(src: Source, overrides: dict | None = None, paths: dict | None = None):
    """The central run of ``src`` with ``paths`` set and parameter ``overrides`` (as
    ``gigaplan run --set``), with the report's extra curves. A run of the same text and
    overrides is returned from the cache; otherwise the latest run of the same text is reused
    up to the first stage the changed parameters affect. Returns a
    :class:`gigaplan.results.RunResult` that callers must only read."""
    overrides = {k: float(v) for k, v in (overrides or {}).items()}
    edited = with_paths(src, paths or {})
    key = edited.key
    exact, latest = _RUNS.get(key, overrides)
    if exact is not None:
        return exact
    s = parse(edited)
    a = pipeline.assumptions_for(s, overrides)
    if latest is not None and latest[1].scenario is s:
        r = chain.stages(s, a, reuse=latest[1],
                         start=chain.first_stage(_changed(latest[0], overrides)))
    else:
        r = chain.stages(s, a)
    r.sweeps = pipeline.sweeps(r)
    _RUNS.put(key, overrides, r)
    return r


#: The figures of the headline cards, with their sample-key in the Monte Carlo summary.
_CARDS = (
    ("owned_it_gw", "Owned critical IT", "GW", "{:,.2f}"),
    ("contracted_it_gw", "Contracted IT", "GW", "{:,.2f}"),
    ("peak_bf16_eflops", "Dense BF16 peak", "EFLOP/s", "{:,.0f}"),
    ("effective_bf16_eflops", "Effective BF16", "EFLOP/s", "{:,.0f}"),
    ("owned_capex_usd_b", "Owned capex", "$B", "{:,.1f}"),
    ("contract_payments_usd_b", "Contract payments", "$B", "{:,.1f}"),
    ("npv_usd_b", "NPV", "$B", "{:,.1f}"),
    ("failures_per_day", "Failures a day", "per day", "{:,.0f}"),
)


def cards(r) -> list[dict]:
    """The headline cards of run ``r``: ``key``, ``label``, ``value`` (text), ``unit``,
    ``range`` (empty for the figures), then one card per headline run with its finish,
    status, days and goodput in ``range``."""
    h = r.summary.headline
    out = []
    for key, label, unit, fmt in _CARDS:
        v = getattr(h, key)
        out.append({"key": key, "label": label, "unit": unit, "range": "",
                    "value": "n/a" if v is None or not math.isfinite(v) else fmt.format(v)})
    for run in h.runs:
        out.append({"key": f"run:{run.name}", "label": f"Run {run.name}", "unit": "",
                    "value": run.finish or "not planned",
                    "range": f"{run.status}; {_num(run.days, '{:,.1f}')} days; goodput "
                             f"{_num(run.goodput, '{:.3f}')}"})
    return out


def _num(v, fmt: str) -> str:
    return "n/a" if v is None or not math.isfinite(float(v)) else fmt.format(float(v))


@lru_cache(maxsize=32)
def _ranges(src: Source, overrides: tuple, paths: tuple, samples: int, seed: int) -> tuple:
    s = parse(with_paths(src, dict(paths)))
    a = pipeline.assumptions_for(s, dict(overrides))
    d = montecarlo.run(s, a, samples, seed=seed).describe()
    return tuple((k, label, unit, fmt, d[k]["p10"], d[k]["p90"])
                 for k, label, unit, fmt in _CARDS if k in d)


def ranges(src: Source, overrides: dict | None = None, paths: dict | None = None,
           samples: int = RANGE_SAMPLES, seed: int = 0) -> list[dict]:
    """P10 and P90 of the headline figures over ``samples`` Monte Carlo draws of every
    uncertain input (:func:`gigaplan.montecarlo.run`, seeded), under the same edits: one
    dict per figure with ``key``, ``label``, ``unit``, ``p10``, ``p90`` and their text."""
    found = _ranges(src, tuple(sorted((k, float(v)) for k, v in (overrides or {}).items())),
                    tuple(sorted((paths or {}).items())), int(samples), int(seed))
    return [{"key": k, "label": label, "unit": unit, "p10": lo, "p90": hi,
             "text": f"{fmt.format(lo)} to {fmt.format(hi)}"}
            for k, label, unit, fmt, lo, hi in found]


# ----------------------------------------------------------------------------- controls

@dataclass(frozen=True)
class Control:
    """One what-if control: a parameter (``target="parameter"``) or a scenario field
    (``"scenario"``) of kind ``number``, ``whole`` or ``date`` (values as ISO dates), its range
    and central value, and ``score``: how far it moves the headline figures (its rank)."""

    name: str
    target: str
    kind: str
    low: float | str
    value: float | str
    high: float | str
    unit: str
    score: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


#: The figures the ranking weighs: each input's largest swing relative to the figure's value.
_RANKED = ("npv_usd_b", "effective_bf16_eflops", "failures_per_day", "owned_facility_peak_gw",
           "owned_capex_usd_b")


@lru_cache(maxsize=16)
def _controls(src: Source, k: int) -> tuple[Control, ...]:
    s = parse(src)
    a = pipeline.assumptions_for(s)
    sw = montecarlo.swings(s, a)
    central = chain.stages(s, a, summary=False)
    base = measures(central)
    score: dict[str, float] = {}
    for out, g in sw.groupby("output"):
        if not (out in _RANKED or out.startswith("runs.") and out.endswith(".days")):
            continue
        ref = abs(float(np.asarray(base.get(out, np.nan)).ravel()[0]))
        if not (ref > 0 and math.isfinite(ref)):
            continue
        for name, swing in zip(g["input"], g["swing"] / ref, strict=True):
            if math.isfinite(swing):
                score[name] = max(score.get(name, 0.0), float(swing))
    plan = {x.name: x for x in montecarlo.plan(s, a).inputs}
    ranked = sorted((n for n in score if score[n] > 0), key=lambda n: -score[n])[:k]
    out = []
    for name in ranked:
        x = plan[name]
        show = (lambda v: dt.date.fromordinal(int(round(v))).isoformat()) if x.kind == "date" \
            else float
        out.append(Control(name, x.target, x.kind, show(x.low), show(x.mode), show(x.high),
                           x.unit, score[name]))
    return tuple(out)


def controls(src: Source, k: int = CONTROLS) -> list[Control]:
    """The ``k`` inputs that move the headline figures most (the tornado of
    :func:`gigaplan.montecarlo.swings`: each input at its low and its high, every other at
    its central value), best first; cached per scenario text."""
    return list(_controls(src, k))


def parameter_names() -> list[str]:
    """Every parameter ``--set`` takes (``gigaplan catalog parameters``)."""
    return list(parameter_catalog())


# ----------------------------------------------------------------------------- compare

def pinned_comparison(pins: list[dict]):
    """:func:`gigaplan.compare.compare` of the pinned states (each ``label``, ``source``,
    ``overrides``, ``paths``): each is the scenario :func:`edited_text` writes, so the figures
    are those ``gigaplan compare`` gives for the downloaded files."""
    if not 2 <= len(pins) <= 4:
        raise GigaplanError(f"pin two to four states to compare (have {len(pins)})")
    scenarios = []
    for p in pins:
        src = Source.from_dict(p["source"])
        text = edited_text(src, p.get("overrides", {}), p.get("paths", {}))
        s = parse(Source(text, src.fmt, str(p["label"])[:80]))
        scenarios.append(s.model_copy(update={"name": str(p["label"])[:80]}))
    return compare.compare(scenarios)
