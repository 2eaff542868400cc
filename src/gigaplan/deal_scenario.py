"""From a deal of the ledger to a scenario: ``gigaplan init --from-deal ID``.

:func:`scenario_text` writes a scenario file holding one ``[[contracts]]`` block prefilled
from a ``compute`` deal (cloud capacity) or a ``lease`` (colocation), every value with the
deal's source in a trailing ``# source:`` comment or marked ``# assumption:`` where the deal
does not give it (the system, a term, a capacity read from GW). The file validates and runs
as it is; it is meant to be edited and merged into a larger scenario.
"""

from __future__ import annotations

import math

import pandas as pd

from . import catalog
from .dealcheck import term_years, text_date
from .errors import GigaplanError, UnknownNameError
from .market import market_range

__all__ = ["DEFAULT_SYSTEM", "DEFAULT_TERM_YEARS", "FROM_KINDS", "scenario_text"]

#: The kinds of deal that describe capacity a scenario can contract.
FROM_KINDS = ("compute", "lease")
#: The system a deal that names none gets (marked as an assumption): rack-scale Blackwell,
#: what ships for deals signed in 2025.
DEFAULT_SYSTEM = "gb300-nvl72"
#: The term a deal that states none gets (marked as an assumption) [years].
DEFAULT_TERM_YEARS = 5


def _q(text: str) -> str:
    """A TOML basic string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(text) -> str:
    """Text on one line (for a comment)."""
    return " ".join(str(text).split())


def _find(deal_id: str) -> dict:
    from .deals import ledger

    table = ledger()
    ids = list(table["id"])
    if deal_id not in ids:
        raise UnknownNameError("deal", deal_id, ids)
    deal = table[table["id"] == deal_id].iloc[0].to_dict()
    if deal["kind"] not in FROM_KINDS:
        article = "an" if deal["kind"][0] in "aeiou" else "a"
        raise GigaplanError(f"deal {deal_id!r} is {article} {deal['kind']} deal: only "
                            f"{' and '.join(FROM_KINDS)} deals describe capacity a scenario can "
                            "contract (chips are bought: model them as a site's phases)")
    return deal


def _dates(deal: dict, src: str) -> tuple[pd.Timestamp, str, pd.Timestamp, str]:
    """(start, its comment, end, its comment) of the contract."""
    start = text_date(deal["start"])
    start_note = f"source: {src} start {deal['start']}"
    if start is None:
        start, start_note = pd.Timestamp(deal["date"]), (
            f"assumption: capacity from the announcement ({deal['date'].date()}); the deal "
            "gives no start")
    term = term_years(deal)
    if deal["term_years"] == deal["term_years"]:
        end_note = f"source: {src} term of {deal['term_years']:g} years"
    elif term > 0:
        end_note = f"source: {src} end {deal['end']}"
    else:
        term, end_note = DEFAULT_TERM_YEARS, (
            f"assumption: the deal gives no term; {DEFAULT_TERM_YEARS} years, the term of most "
            "2025 compute deals in the ledger (Oracle, Nebius, IREN, CoreWeave)")
    end = start + pd.DateOffset(months=round(term * 12)) - pd.Timedelta(days=1)
    return start, start_note, end, end_note


def _size(deal: dict, system: str, src: str) -> tuple[str, str]:
    """The capacity line of the contract and its comment."""
    if deal["accelerators"] == deal["accelerators"]:
        return f"accelerators = {deal['accelerators']:.0f}", f"source: {src}"
    if deal["capacity_gw"] == deal["capacity_gw"]:
        mw = deal["capacity_gw"] * 1000
        return (f'it_mw = "{mw:g} MW"', f"source: {src} {deal['capacity_gw']:g} GW (read here as "
                "IT load: the deal does not say)")
    rng = market_range("rent_usd_per_accelerator_hour", system)
    if deal["amount_usd"] == deal["amount_usd"] and rng is not None:
        term = term_years(deal)
        term = term if term > 0 else DEFAULT_TERM_YEARS
        rate = math.sqrt(rng["low"] * rng["high"])
        n = deal["amount_usd"] / (rate * term * 8760.0)
        return (f"accelerators = {n:.0f}", (
            f"assumption: the deal gives no capacity; its amount over {term:g} years at "
            f"{rate:.2f} USD per accelerator-hour (the geometric middle of the market range, "
            f"{rng['source']})"))
    raise GigaplanError(f"deal {deal['id']!r} gives no capacity (GW or accelerators) and no "
                        "amount and market price to size one from: write its contract by hand")


def scenario_text(deal_id: str) -> str:
    """A scenario file (TOML) holding the deal ``deal_id`` as a contract, with its sources.

    Raises :class:`~gigaplan.errors.UnknownNameError` (with the closest ids) for an unknown
    deal and :class:`~gigaplan.errors.GigaplanError` for a deal that is not ``compute`` or
    ``lease`` or gives nothing to size the capacity from.
    """
    deal = _find(deal_id)
    system = deal["catalog_system"] or DEFAULT_SYSTEM
    named = deal["system"] if isinstance(deal["system"], str) else "none"
    system_note = (f"source: [D] {named}" if deal["catalog_system"] else
                   f"assumption: the deal names no system gigaplan knows ({named}); "
                   f"{DEFAULT_SYSTEM} ships for 2025 deals")
    catalog.accelerator(system)
    start, start_note, end, end_note = _dates(deal, "[D]")
    size, size_note = _size(deal, system, "[D]")
    lease = deal["kind"] == "lease"
    amount = deal["amount_usd"]
    lines = [
        f"# gigaplan scenario from the deals ledger: {deal['id']}",
        f"#   {deal['from_party']} -> {deal['to_party']} ({deal['kind']}), announced "
        f"{deal['date'].date()}, {deal['status']}: {_line(deal['amount_as_announced'])}",
        f"#   [D] {deal['source']}, {deal['source_url']} ({deal['source_date'].date()})",
        *([f"#   note: {_line(deal['notes'])}"] if str(deal["notes"]).strip() else []),
        "# Check it with `gigaplan validate FILE`; add sites and workloads to plan around it.",
        "",
        f"name = {_q(deal['id'])}",
        f"description = {_q(deal['amount_as_announced'])}",
        "",
        "[horizon]",
        f"start = {start.date()}  # assumption: the contract's start",
        f"end = {end.date()}    # assumption: the contract's end",
        'step = "month"',
        "",
        "[[contracts]]",
        f"name = {_q(deal['id'])}",
        f"provider = {_q(deal['to_party'])}  # source: [D]",
        f'kind = "{"colocation" if lease else "cloud"}"  # source: [D] a {deal["kind"]} deal',
        f"system = {_q(system)}  # {system_note}",
        f"{size}  # {size_note}",
        f"start = {start.date()}  # {start_note}",
        f"end = {end.date()}  # {end_note}",
    ]
    if amount == amount and not lease:
        lines.append(f"total_value_usd = {amount:.6g}  # source: [D] "
                     f"{_line(deal['amount_as_announced'])}")
    elif lease and amount == amount:
        lines.append(f"# the lease's {amount:,.0f} USD pays for the building and its power, not "
                     "the accelerators: no price per accelerator-hour is set")
    else:
        lines.append("# no price: the deal discloses no amount")
    return "\n".join(lines) + "\n"
