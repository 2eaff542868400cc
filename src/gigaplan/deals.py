"""The deals ledger: who pays whom for what (``data/deals.csv``), and the circular flows in it.

One row per deal: ``id``, the ``date`` announced (``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY``
where only that is known), the parties (money flows ``from_party`` ->
``to_party``), the ``kind`` (:data:`KINDS`), the amount in USD (a number or a string the
scenario parser reads, ``"$300B"``) and as announced, the capacity (GW, accelerators, system as
announced, and ``catalog_system``: the catalog system gigaplan checks it against, empty where
none fits), the term, the ``status`` (:data:`STATUSES`) and the ``source`` with its URL and
date. The loader checks every row once (:func:`check`) and names the row of each problem.

The flow graph (:func:`flow_graph`) has an edge from payer to payee per pair, summing the
amounts of their deals; :func:`cycles` lists its simple cycles (a chip maker's equity into a
lab that buys cloud capacity from a provider that buys the chip maker's chips) and
:func:`circular_shares` says, per company, how much of its announced inflow comes over an edge
that lies on a cycle through it: money that can be traced back to its own outflows.

>>> deals = ledger()
>>> sorted(set(deals["kind"])) == sorted(set(deals["kind"]) & set(KINDS))
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd

from .datafiles import read_table
from .errors import GigaplanError

__all__ = ["COLUMNS", "KINDS", "STATUSES", "DealsError", "check", "circular_shares", "cycles",
           "flow_graph", "ledger", "parse", "select"]

KINDS = ("equity", "compute", "chips", "lease", "backstop", "power", "government")
STATUSES = ("announced", "signed", "reported")
COLUMNS = ("id", "date", "from_party", "to_party", "kind", "amount_usd", "amount_as_announced",
           "capacity_gw", "accelerators", "system", "catalog_system", "term_years", "start",
           "end", "status", "source", "source_url", "source_date", "notes")
_REQUIRED = ("id", "date", "from_party", "to_party", "kind", "status", "source", "source_url",
             "source_date")


class DealsError(GigaplanError):
    """A ledger that does not pass :func:`check` (every problem, each naming its row)."""


_FORMATS = (("%Y-%m-%d", 3), ("%Y-%m", 2), ("%Y", 1))


def _dated(text) -> tuple[dt.date, int] | None:
    """(date, precision) of ``YYYY-MM-DD`` (3), ``YYYY-MM`` (2, the first of the month) or
    ``YYYY`` (1, the first of the year, for deals whose month is not known); None otherwise."""
    text = str(text).strip()
    for fmt, precision in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), precision
        except ValueError:
            continue
    return None


def _date(text) -> dt.date | None:
    got = _dated(text)
    return None if got is None else got[0]


def _after(a: tuple[dt.date, int], b: tuple[dt.date, int]) -> bool:
    """Whether date ``a`` is certainly after ``b``, compared at the coarser precision."""
    keep = min(a[1], b[1])
    key = lambda d: (d.year, d.month if keep >= 2 else 0, d.day if keep >= 3 else 0)  # noqa: E731
    return key(a[0]) > key(b[0])


def _amount(raw) -> float | None:
    from .units import UnitError, parse_quantity

    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or str(raw).strip() == "":
        return np.nan
    try:
        return float(parse_quantity(raw if isinstance(raw, str) else float(raw), "usd"))
    except (UnitError, ValueError, TypeError):
        return None


def _row_problems(row: dict) -> Iterable[str]:
    for col in _REQUIRED:
        if str(row.get(col, "")).strip() in ("", "nan"):
            yield f"{col} is empty"
    if row.get("kind") not in KINDS:
        yield f"kind {row.get('kind')!r}: expected one of {', '.join(KINDS)}"
    if row.get("status") not in STATUSES:
        yield f"status {row.get('status')!r}: expected one of {', '.join(STATUSES)}"
    if row.get("from_party") == row.get("to_party"):
        yield "from_party and to_party are the same"
    date, source_date = _dated(row.get("date")), _dated(row.get("source_date"))
    if date is None:
        yield f"date {row.get('date')!r}: expected YYYY-MM-DD, YYYY-MM or YYYY"
    if source_date is None:
        yield f"source_date {row.get('source_date')!r}: expected YYYY-MM-DD, YYYY-MM or YYYY"
    if date and source_date and _after(date, source_date):
        yield (f"date {row.get('date')} is after its source's date "
               f"{row.get('source_date')}")
    amount = _amount(row.get("amount_usd"))
    if amount is None or (np.isfinite(amount) and amount <= 0):
        yield f"amount_usd {row.get('amount_usd')!r}: expected a positive amount in USD or empty"
    for col in ("capacity_gw", "accelerators", "term_years"):
        v = pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]
        if str(row.get(col, "")).strip() not in ("", "nan") and not (np.isfinite(v) and v > 0):
            yield f"{col} {row.get(col)!r}: expected a positive number or empty"
    system = str(row.get("catalog_system") or "").strip()
    if system not in ("", "nan") and system not in _systems():
        yield (f"catalog_system {system!r}: expected a catalog system "
               f"({', '.join(_systems())}) or empty")
    if not str(row.get("source_url", "")).startswith(("http://", "https://")):
        yield f"source_url {row.get('source_url')!r}: expected an http(s) address"


def _systems() -> list[str]:
    from .catalog import accelerator_names

    return accelerator_names()


def check(table: pd.DataFrame) -> list[str]:
    """Every problem of a ledger table, each naming its row (``deals.csv row 7 (id): ...``)."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        return [f"deals.csv: missing columns {', '.join(missing)}"]
    out = []
    seen: set[str] = set()
    for i, row in enumerate(table.to_dict(orient="records"), start=2):  # line 1: header
        where = f"deals.csv line {i} ({row.get('id')})"
        if row["id"] in seen:
            out.append(f"{where}: id is used twice")
        seen.add(row["id"])
        out.extend(f"{where}: {p}" for p in _row_problems(row))
    return out


def parse(table: pd.DataFrame) -> pd.DataFrame:
    """A checked ledger with typed columns: dates as datetimes, amounts as floats (NaN where
    not disclosed); :class:`DealsError` listing every problem otherwise."""
    problems = check(table)
    if problems:
        raise DealsError(f"{len(problems)} problems in the deals ledger:\n  "
                         + "\n  ".join(problems))
    out = table.copy()
    out["date"] = pd.to_datetime([_date(x) for x in out["date"]])
    out["source_date"] = pd.to_datetime([_date(x) for x in out["source_date"]])
    out["amount_usd"] = [_amount(x) for x in out["amount_usd"]]
    for col in ("capacity_gw", "accelerators", "term_years"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["catalog_system"] = out["catalog_system"].fillna("").astype(str)
    return out.sort_values(["date", "id"], kind="stable").reset_index(drop=True)


@cache
def _ledger() -> pd.DataFrame:
    return parse(read_table("deals.csv"))


def ledger() -> pd.DataFrame:
    """The shipped ledger (``data/deals.csv``), checked, as a new DataFrame by date."""
    return _ledger().copy()


def select(table: pd.DataFrame, party: str | None = None, kind: str | None = None,
           since: str | dt.date | None = None) -> pd.DataFrame:
    """The deals of ``party`` (either side, case-insensitive), of ``kind``, since a date."""
    out = table
    if party is not None:
        p = party.strip().lower()
        parties = set(table["from_party"].str.lower()) | set(table["to_party"].str.lower())
        if p not in parties:
            from .errors import UnknownNameError

            names = sorted(set(table["from_party"]) | set(table["to_party"]))
            raise UnknownNameError("party", party, names)
        out = out[(out["from_party"].str.lower() == p) | (out["to_party"].str.lower() == p)]
    if kind is not None:
        if kind not in KINDS:
            from .errors import UnknownNameError

            raise UnknownNameError("kind", kind, list(KINDS))
        out = out[out["kind"] == kind]
    if since is not None:
        day = _date(since) if isinstance(since, str) else since
        if day is None:
            raise GigaplanError(f"since {since!r}: expected YYYY-MM-DD or YYYY-MM")
        out = out[out["date"] >= pd.Timestamp(day)]
    return out


def flow_graph(table: pd.DataFrame):
    """A :class:`networkx.DiGraph` of the money flows: an edge payer -> payee per pair with
    ``amount_usd`` (the sum of the deals with an amount), ``deals`` (their ids) and ``kinds``."""
    import networkx as nx

    g = nx.DiGraph()
    for row in table.itertuples(index=False):
        a, b = row.from_party, row.to_party
        if not g.has_edge(a, b):
            g.add_edge(a, b, amount_usd=0.0, deals=[], kinds=[])
        e = g.edges[a, b]
        e["amount_usd"] += 0.0 if np.isnan(row.amount_usd) else float(row.amount_usd)
        e["deals"].append(row.id)
        if row.kind not in e["kinds"]:
            e["kinds"].append(row.kind)
    return g


def cycles(graph, max_length: int = 6) -> list[dict]:
    """The simple cycles of ``graph`` of at most ``max_length`` companies, each as
    ``{"companies": [...], "edges": [(from, to, amount_usd, deals)], "smallest_usd"}``, the
    largest smallest flow first (the money that can go all the way round)."""
    import networkx as nx

    out = []
    for cyc in nx.simple_cycles(graph, length_bound=max_length):
        start = cyc.index(min(cyc))  # a canonical rotation: the same cycle reads the same
        cyc = cyc[start:] + cyc[:start]
        edges = [(a, b, graph.edges[a, b]["amount_usd"], list(graph.edges[a, b]["deals"]))
                 for a, b in zip(cyc, cyc[1:] + cyc[:1], strict=True)]
        out.append({"companies": cyc, "edges": edges,
                    "smallest_usd": min(e[2] for e in edges)})
    return sorted(out, key=lambda c: (-c["smallest_usd"], c["companies"]))


def circular_shares(graph) -> pd.DataFrame:
    """Per company: announced inflow, the part of it over edges that lie on a cycle through
    the company (payer X -> company C where C reaches X), and that share."""
    import networkx as nx

    rows = []
    for c in sorted(graph.nodes):
        reach = nx.descendants(graph, c)
        inflow = circular = 0.0
        for x in graph.predecessors(c):
            amount = graph.edges[x, c]["amount_usd"]
            inflow += amount
            if x in reach:
                circular += amount
        rows.append({"company": c, "inflow_usd": inflow, "circular_inflow_usd": circular,
                     "circular_share": circular / inflow if inflow > 0 else np.nan})
    return pd.DataFrame(rows).sort_values("circular_inflow_usd", ascending=False,
                                          kind="stable").reset_index(drop=True)
