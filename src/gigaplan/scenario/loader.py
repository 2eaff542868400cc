"""Reading a scenario from a file, a built-in name or a dict, with errors a person can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import tomlkit
import tomlkit.exceptions
import yaml
from pydantic import BaseModel, ValidationError
from tomlkit.items import AoT, InlineTable, Table

from ..datafiles import scenario_names, scenario_text
from ..errors import Problem, ScenarioError, closest
from .consistency import check_scenario
from .models import Provenance, Scenario
from .paths import PathError, kind_at, parameter_matters, parse_path, value_at

__all__ = ["collect_marks", "decode_scenario", "load_scenario", "parse_scenario", "read_toml",
           "scenario_from_dict", "validation_problems", "with_values"]

#: Largest scenario file read (10 MB: a thousand sites take about 1 MB).
MAX_BYTES = 10_000_000
#: Deepest nesting of tables and lists read from any format (TOML's own parser stops at 100).
MAX_DEPTH = 100
#: Paths inside ``[[uncertain]]`` / ``[uncertainty]``, which a draw (:func:`with_values`) drops.
_DRAW_ONLY = re.compile(r"^uncertain(ty)?\b")
_MARK = re.compile(r"^#\s*(assumption|source)\b\s*:?\s*(.*)$", re.IGNORECASE)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path or mapping
        A path to a ``.toml`` (or ``.yaml``/``.yml``, ``.json``) file (a regular file of at
        most :data:`MAX_BYTES`, UTF-8 with or without a byte-order mark), the name of a built-in scenario
        (``"fluidstack-2026"``, ``"single-site-100k"``), or an already-parsed dict.

    Returns
    -------
    Scenario
        The validated, frozen scenario. ``scenario.provenance`` maps field paths to their
        ``# source:`` / ``# assumption:`` marks.

    Raises
    ------
    ScenarioError
        Missing or unreadable file, syntax error (with line), or invalid content; the message
        names the file, every bad field's path and value, and what is expected.
    """
    if isinstance(source, Mapping):
        return scenario_from_dict(source, "<dict>")
    base, _, variant = str(source).rpartition(":")
    if base and variant and not Path(source).exists() and ":" not in variant and (
            Path(base).exists() or base in scenario_names()):
        return with_variant(load_scenario(base), variant)
    if not isinstance(source, (str, Path)):
        raise ScenarioError(repr(source), "expected a scenario: a file path, a built-in name "
                                          f"({', '.join(scenario_names())}) or a dict, got "
                                          f"{type(source).__name__}")
    text_name = str(source)
    path = Path(source)
    if not path.exists() and text_name in scenario_names():
        return parse_scenario(scenario_text(text_name), f"{text_name} (built-in)", fmt="toml")
    if not path.exists():
        hint = ""
        if isinstance(source, str) and not path.suffix:
            hint = f"; built-in scenarios: {', '.join(scenario_names())}"
        raise ScenarioError(text_name, f"no such file{hint}")
    if path.is_dir():
        raise ScenarioError(text_name, "is a directory, expected a scenario file (.toml or .yaml)")
    if not path.is_file():
        raise ScenarioError(text_name, "is not a regular file (a pipe or a device?); expected a "
                                       "scenario file (.toml, .yaml or .json)")
    if path.stat().st_size > MAX_BYTES:
        raise ScenarioError(text_name, f"is {path.stat().st_size:,} bytes; a scenario file is at "
                                       f"most {MAX_BYTES:,}")
    text = decode_scenario(path.read_bytes(), text_name)
    suffix = path.suffix.lower()
    fmt = "yaml" if suffix in (".yaml", ".yml") else "json" if suffix == ".json" else "toml"
    return parse_scenario(text, text_name, fmt=fmt)


def decode_scenario(data: bytes, source: str) -> str:
    """The text of a scenario's bytes: UTF-8 with or without a byte-order mark; a binary file
    or other encodings raise :class:`ScenarioError` naming ``source``."""
    if b"\x00" in data:
        raise ScenarioError(source, "is a binary file, expected a text scenario (.toml or .yaml)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, f"is not UTF-8 text (byte {exc.start}); expected a "
                                    "TOML or YAML scenario") from None
    return text.removeprefix("\ufeff")  # a byte-order mark some editors write


def parse_scenario(text: str, source: str = "<string>", fmt: str = "toml") -> Scenario:
    """Validate scenario ``text`` in ``fmt`` (``"toml"``, ``"yaml"`` or ``"json"``); see
    :func:`load_scenario`."""
    if not text.strip():
        raise ScenarioError(source, "the scenario is empty; start from `gigaplan init` "
                                    "(it needs at least name, [horizon] and a site or contract)")
    marks: dict[str, Provenance] = {}
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(source, f"JSON syntax error at line {exc.lineno}, column "
                                        f"{exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise ScenarioError(source, f"JSON nested more than {MAX_DEPTH} levels deep") from None
        if _deeper_than(data, MAX_DEPTH):
            raise ScenarioError(source, f"JSON nested more than {MAX_DEPTH} levels deep")
    elif fmt == "yaml":
        try:
            data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 (a SafeLoader, limited)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ScenarioError(source, f"YAML syntax error{where}: {problem}") from None
    else:
        data, marks = read_toml(text, source)
    if data is None:
        raise ScenarioError(source, "the scenario is empty")
    if not isinstance(data, Mapping):
        raise ScenarioError(source, f"expected a table of keys at the top level, got {type(data).__name__}")
    return scenario_from_dict(data, source, marks)


class _YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases (``*name``: a few lines of them expand to billions
    of nodes, the "billion laughs") and with at most :data:`MAX_DEPTH` levels of nesting (its
    composer recurses once per level)."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not accepted in a scenario: write the "
                "value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"YAML value nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether ``data`` (parsed JSON) nests lists and dicts more than ``limit`` levels."""
    stack = [(data, 1)]
    while stack:
        x, depth = stack.pop()
        if isinstance(x, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (x.values() if isinstance(x, dict) else x))
    return False


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>",
                       marks: Mapping[str, Provenance] | None = None) -> Scenario:
    """Validate an already-parsed scenario dict; raise :class:`ScenarioError` listing all problems."""
    if not data:
        raise ScenarioError(source, "the scenario is empty")
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(source, validation_problems(exc)) from None
    bounds: dict[str, tuple] = {}
    own = check_scenario(scenario)
    rest = _variant_problems(scenario)
    provenance = dict(marks or {})
    for path, reason in scenario.assumptions.items():
        if _lookup(data, path) is _MISSING:
            rest.append(Problem(f"assumptions.{path}" if path else "assumptions",
                                "names no field of this scenario (use paths like "
                                "sites[0].phases[1].it_mw)"))
        provenance[path] = Provenance(kind="assumption", text=reason)
    known = {(p.path, p.message) for p in own + rest}
    problems = own + _uncertain_problems(scenario, bounds, known) + rest
    if problems:
        raise ScenarioError(source, problems)
    scenario._provenance = provenance
    scenario._source = source
    scenario._bounds = bounds
    return scenario


def with_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with ``values`` (field path -> value) set, validated like a file
    (:class:`ScenarioError` naming the path otherwise). The copy is one draw of the uncertain
    inputs: it has no ``[[uncertain]]`` entries nor ``[uncertainty]`` table."""
    data = scenario.model_dump(exclude={"uncertain", "uncertainty"})
    data["assumptions"] = {k: v for k, v in data["assumptions"].items()
                           if not _DRAW_ONLY.match(k)}
    for path, value in values.items():
        _set_at(data, path, value)
    return scenario_from_dict(data, scenario.source, scenario.provenance)


def with_variant(scenario: Scenario, name: str) -> Scenario:
    """``scenario`` read as its variant ``name`` (``[[variants]]``): its paths set and unset,
    validated like a file; named ``<scenario>:<variant>``. An unknown variant raises
    :class:`ScenarioError` with the closest names."""
    names = [v.name for v in scenario.variants]
    if name not in names:
        raise ScenarioError(f"{scenario.source}:{name}", f"no variant {name!r}; "
                            + (f"closest: {', '.join(closest(name, names))}" if names else
                               "the scenario declares none"))
    v = scenario.variants[names.index(name)]
    data = scenario.model_dump()
    for path, value in [*((p, None) for p in v.unset), *v.set.items()]:
        _set_at(data, path, value)
    data.update(name=f"{scenario.name}:{v.name}", description=v.description, variants=[])
    mark = (Provenance(kind="source", text=v.source) if v.source else
            Provenance(kind="assumption", text=f"variant {v.name}: {v.description}"))
    marks = {**scenario.provenance, **{p: mark for p in v.set}}
    return scenario_from_dict(data, f"{scenario.source}:{v.name}", marks)


def _uncertain_problems(s: Scenario, bounds: dict, base: set[tuple[str, str]]) -> list[Problem]:
    """Every problem of the ``[[uncertain]]`` entries: a path that names no number or date,
    a bound the field itself would refuse, low above high, the most likely value outside.
    ``base`` holds (path, message) of the scenario's own problems, reported where they are
    and not blamed on a bound. Fills ``bounds`` (path -> (low, high, most likely), as the
    field reads them)."""
    out, seen = [], set()
    for i, u in enumerate(s.uncertain):
        at = f"uncertain[{i}]"
        try:
            kind_at(s, u.path)
        except PathError as exc:
            out.append(Problem(f"{at}.path", str(exc), u.path, has_value=True))
            continue
        if u.path in seen:
            out.append(Problem(f"{at}.path", "is uncertain twice; give one entry per path",
                               u.path, has_value=True))
            continue
        seen.add(u.path)
        got = {}
        for what in ("low", "high", "value"):
            raw = getattr(u, what)
            if raw is None:
                if what != "value":
                    out.append(Problem(f"{at}.{what}", "is required (the range's bound)"))
                continue
            try:
                got[what] = value_at(with_values(s, {u.path: raw}), u.path)
            except ScenarioError as exc:
                new = [p for p in exc.problems if (p.path, p.message) not in base]
                if not new:  # only the scenario's own problems, reported where they are
                    continue
                why = "; ".join(p.message for p in new if p.path == u.path) or "; ".join(
                    f"{p.path}: {p.message}" for p in new)
                out.append(Problem(f"{at}.{what}", f"not a valid {u.path}: {why}", raw,
                                   has_value=True))
        low, high = got.get("low"), got.get("high")
        value = got.get("value", value_at(s, u.path))
        if low is not None and high is not None:
            if low > high:
                out.append(Problem(at, f"low {low} is above high {high}"))
            elif not low <= value <= high:
                out.append(Problem(f"{at}.value", f"{value} is outside [{low}, {high}]; give the "
                                   "most likely value inside the range", value, has_value=True))
            else:
                bounds[u.path] = (low, high, value)
    return out + _correlation_problems(s, seen)


def _set_at(data: dict, path: str, value: Any) -> None:
    """Set the field at ``path`` (``sites[0].phases[1].it_mw``) of a dumped scenario."""
    steps = parse_path(path)
    node = data
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value


def _variant_problems(s: Scenario) -> list[Problem]:
    """Every path a variant sets or unsets names a field of the scenario."""
    out: list[Problem] = []
    dumped = s.model_dump() if s.variants else {}
    for i, v in enumerate(s.variants):
        for kind, paths in (("set", list(v.set)), ("unset", v.unset)):
            for path in paths:
                try:
                    parse_path(path)
                except PathError as exc:
                    out.append(Problem(f"variants[{i}].{kind}", str(exc), path, has_value=True))
                    continue
                if _lookup(dumped, path) is _MISSING:
                    out.append(Problem(f"variants[{i}].{kind}", "names no field of this "
                                       "scenario (paths like contracts[0].it_mw)", path,
                                       has_value=True))
    return out


def _correlation_problems(s: Scenario, paths: set[str]) -> list[Problem]:
    """Correlations name two inputs the scenario draws: [[uncertain]] paths, or parameters
    that matter to it and that its [parameters] table does not pin to one value."""
    from ..assumptions import names

    pinned = {k for k, v in s.parameters.items() if not isinstance(v, Mapping)}
    known = {n for n in names() if parameter_matters(n, s) and n not in pinned} | paths
    out = []
    for i, c in enumerate(s.uncertainty.correlations):
        for side in ("a", "b"):
            name = getattr(c, side)
            if name not in known:
                why = ("is pinned to one value in [parameters]" if name in pinned else
                       "cannot move this scenario (a system or precision it does not use)"
                       if name in names() else "names no parameter nor [[uncertain]] path")
                near = ", ".join(closest(name, sorted(known)))
                out.append(Problem(f"uncertainty.correlations[{i}].{side}",
                                   f"{why}; closest inputs: {near}", name, has_value=True))
        if c.a == c.b:
            out.append(Problem(f"uncertainty.correlations[{i}]", "correlates an input with "
                                                                  "itself"))
    return out


# ----------------------------------------------------------------------------- helpers


def _toml_reason(exc: tomlkit.exceptions.ParseError) -> str:
    text = str(exc)
    return re.sub(r"\s+at line \d+ col \d+$", "", text)


def read_toml(text: str, source: str) -> tuple[dict, dict[str, Provenance]]:
    """(data, marks) of TOML ``text``: its values, and its ``# source:`` / ``# assumption:``
    marks by field path (:func:`collect_marks`); a syntax error is a
    :class:`~gigaplan.errors.ScenarioError` of ``source`` with its line, column and reason."""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ScenarioError(source, f"TOML syntax error at line {exc.line}, column {exc.col}: "
                                    f"{_toml_reason(exc)}") from None
    marks: dict[str, Provenance] = {}
    collect_marks(doc, [], marks)
    return doc.unwrap(), marks


def collect_marks(container, path: list[str], out: dict[str, Provenance]) -> None:
    """Record ``# assumption: ...`` / ``# source: ...`` end-of-line comments of a tomlkit
    document (or table) by field path into ``out``."""
    for key, item in container.items():
        if isinstance(item, AoT):
            for i, table in enumerate(item.body):
                collect_marks(table, [*path, f"{key}[{i}]"], out)
            continue
        here = [*path, str(key)]
        if isinstance(item, (Table, InlineTable)):
            collect_marks(item, here, out)
        trivia = getattr(item, "trivia", None)
        comment = trivia.comment.strip() if trivia is not None else ""
        if m := _MARK.match(comment):
            out[".".join(here)] = Provenance(kind=m[1].lower(), text=m[2].strip() or m[1].lower())


_MISSING = object()
_INDEX = re.compile(r"^(?P<key>[^\[\]]+)(?P<idx>(\[\d+\])*)$")


def _lookup(data: Any, path: str) -> Any:
    """The value at a dotted path with ``[i]`` indices in parsed data, or ``_MISSING``."""
    node = data
    for part in path.split("."):
        m = _INDEX.match(part)
        if m is None or not isinstance(node, Mapping) or m["key"] not in node:
            return _MISSING
        node = node[m["key"]]
        for idx in re.findall(r"\[(\d+)\]", m["idx"]):
            if not isinstance(node, list) or int(idx) >= len(node):
                return _MISSING
            node = node[int(idx)]
    return node


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The pydantic model that holds the last element of ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        inner = _unwrap_model(field.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def validation_problems(exc: ValidationError, root: type[BaseModel] = Scenario
                        ) -> list[Problem]:
    """Each error of a pydantic validation of model ``root`` as a :class:`Problem` at its
    field path, in words (unknown keys with the closest allowed ones, unit errors)."""
    return [_problem(err, root) for err in exc.errors()]


def _problem(err: dict, root: type[BaseModel] = Scenario) -> Problem:
    loc = tuple(err["loc"])
    path = _path(loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return Problem(path, "required field is missing")
    if kind == "extra_forbidden":
        model = _model_at(loc, root)
        allowed = list(model.model_fields) if model else []
        near = closest(str(loc[-1]), allowed, n=2) if allowed else []
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        return Problem(path, f"unknown key{hint} (allowed: {', '.join(allowed)})")
    message = err["msg"]
    message = re.sub(r"^Value error, ", "", message)
    message = re.sub(r", got .*? \((?=unit|a money|no number|unreadable|too large|not a finite)", " (", message)
    message = re.sub(r"^Input should be ", "must be ", message)
    if kind in ("model_type", "dict_type") and not isinstance(value, Mapping):
        message = f"expected a table of keys, got {type(value).__name__}"
    if kind == "list_type":
        message = f"expected a list (in TOML: [[{loc[-1]}]] tables), got {type(value).__name__}"
    return Problem(path, message, value, has_value=not isinstance(value, (Mapping, list)))
