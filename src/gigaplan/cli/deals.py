"""``gigaplan deals``: the deals ledger as a table, and the circular flows in it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .app import app, emit_json, guarded, money, out

__all__ = ["deals", "deals_app", "deals_check", "deals_cycles", "deals_graph"]

deals_app = typer.Typer(help="The 2025 deals ledger: who pays whom for what, with sources.",
                        invoke_without_command=True, rich_markup_mode=None)
app.add_typer(deals_app, name="deals")

_Party = Annotated[Optional[str], typer.Option("--party", help="Deals with this company (either side).")]
_Kind = Annotated[Optional[str], typer.Option(
    "--kind", help="equity, compute, chips, lease, backstop, power or government.")]
_Since = Annotated[Optional[str], typer.Option("--since", help="Announced on or after (YYYY-MM-DD).")]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _selected(party, kind, since):
    from .. import deals as ledger

    return ledger.select(ledger.ledger(), party=party, kind=kind, since=since)


def _usd(x: float) -> str:
    return money(x) if x == x and x > 0 else "undisclosed"


def _capacity(row) -> str:
    parts = []
    if row["capacity_gw"] == row["capacity_gw"]:
        parts.append(f"{row['capacity_gw']:g} GW")
    if row["accelerators"] == row["accelerators"]:
        parts.append(f"{row['accelerators']:,.0f}")
    if isinstance(row["system"], str) and row["system"]:
        parts.append(row["system"])
    return " ".join(parts)


@deals_app.callback()
@guarded
def deals(ctx: typer.Context, party: _Party = None, kind: _Kind = None, since: _Since = None,
          as_json: _Json = False) -> None:
    """List the deals (date, parties, kind, amount, capacity, status, source)."""
    if ctx.invoked_subcommand is not None:
        return
    table = _selected(party, kind, since)
    if as_json:
        rows = table.assign(date=table["date"].dt.date.astype(str),
                            source_date=table["source_date"].dt.date.astype(str))
        emit_json(rows.astype(object).where(rows.notna(), None).to_dict(orient="records"))
        return
    t = Table(title=f"Deals ({len(table)}; sources: --json)", title_justify="left")
    for col in ("date", "from", "to", "kind", "amount", "capacity", "status"):
        t.add_column(col, justify="right" if col == "amount" else "left")
    for _, row in table.iterrows():
        amount = money(row["amount_usd"]) if row["amount_usd"] == row["amount_usd"] else "-"
        t.add_row(row["date"].date().isoformat(), row["from_party"], row["to_party"],
                  row["kind"], amount, _capacity(row), row["status"])
    out.print(t)


@deals_app.command("cycles")
@guarded
def deals_cycles(
    max_length: Annotated[int, typer.Option("--max-length", help="Most companies in a cycle.")] = 5,
    as_json: _Json = False,
) -> None:
    """The circular flows: cycles in the money graph, and each company's circular inflow."""
    from .. import deals as ledger
    from ..errors import GigaplanError

    if not 2 <= max_length <= 10:
        raise GigaplanError(f"--max-length {max_length}: expected 2 to 10")
    g = ledger.flow_graph(ledger.ledger())
    found = ledger.cycles(g, max_length)
    shares = ledger.circular_shares(g)
    if as_json:
        emit_json({"cycles": found, "companies": shares.astype(object).where(
            shares.notna(), None).to_dict(orient="records")})
        return
    t = Table(title=f"Cycles in the money flows ({len(found)}, at most {max_length} companies; "
                    "smallest flow first)", title_justify="left")
    for col in ("companies", "flows", "smallest"):
        t.add_column(col, justify="right" if col == "smallest" else "left")
    for c in found:
        flows = ", ".join(f"{a}->{b} {_usd(x)}" for a, b, x, _ in c["edges"])
        t.add_row(" -> ".join(c["companies"] + c["companies"][:1]), flows,
                  _usd(c["smallest_usd"]))
    out.print(t)
    s = Table(title="Inflows that trace back to the company's own outflows",
              title_justify="left")
    for col in ("company", "inflow", "circular", "share"):
        s.add_column(col, justify="left" if col == "company" else "right")
    for _, row in shares[shares["inflow_usd"] > 0].iterrows():
        share = "-" if row["circular_share"] != row["circular_share"] else \
            f"{row['circular_share']:.0%}"
        s.add_row(row["company"], money(row["inflow_usd"]), money(row["circular_inflow_usd"]),
                  share)
    out.print(s)


def _figure(x: float, unit: str) -> str:
    if x != x:
        return "-"
    if unit.startswith("USD per accelerator-hour"):
        return f"${x:,.2f}/h"
    if unit == "USD per kW-month":
        return f"${x:,.0f}/kW-mo"
    if unit.startswith("USD"):
        return money(x)
    return f"{x:,.2f}" if unit == "ratio" else f"{x:,.0f}"


def _figures(lo: float, hi: float, unit: str) -> str:
    a, b = _figure(lo, unit), _figure(hi, unit)
    return a if a == b else f"{a} - {b}"


@deals_app.command("check")
@guarded
def deals_check(
    deal: Annotated[Optional[str], typer.Option("--id", help="Only this deal.")] = None,
    party: _Party = None, as_json: _Json = False,
) -> None:
    """What each compute, chips or lease deal implies, by gigaplan's models, against market
    ranges."""
    from .. import dealcheck
    from .. import deals as ledger

    table = ledger.select(ledger.ledger(), party=party)
    if deal is not None:
        ids = list(ledger.ledger()["id"])
        if deal not in ids:
            from ..errors import UnknownNameError

            raise UnknownNameError("deal", deal, ids)
        table = table[table["id"] == deal]
    found = dealcheck.implications(table)
    if as_json:
        from ..jsonable import records

        emit_json(records(found))
        return
    n = found["id"].nunique()
    t = Table(title=f"What the deals imply ({n} deal{'' if n == 1 else 's'}; the basis of each "
                    "figure: --json)", title_justify="left")
    for col in ("deal", "figure", "implied", "market", "verdict", "reading"):
        t.add_column(col, justify="right" if col in ("implied", "market") else "left")
    for _, r in found.iterrows():
        t.add_row(r["id"], r["metric"], _figures(r["implied_low"], r["implied_high"], r["unit"]),
                  _figures(r["market_low"], r["market_high"], r["unit"]), r["verdict"],
                  r["reading"] or (r["basis"] if r["verdict"] == "reading" else ""))
    out.print(t)


@deals_app.command("graph")
@guarded
def deals_graph(
    output: Annotated[str, typer.Option("-o", "--output", help="Folder to write deals.html into.")] = "gigaplan-deals",
) -> None:
    """Write deals.html: the money-flow network, the cycles and every deal with its source."""
    from .. import deals as ledger
    from ..errors import GigaplanError
    from ..report import deals_page

    if not str(output).strip():
        raise GigaplanError("-o: name a folder, e.g. -o gigaplan-deals")
    try:
        path = deals_page.write(ledger.ledger(), output)
    except OSError as exc:
        from ..fileio import os_error

        raise os_error(exc, deals_page.Path(output) / deals_page.DEALS_FILE) from None
    out.print(f"wrote {path}")
