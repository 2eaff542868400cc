"""A contract's price against the market, and the two readings of a contract given only a value
and a capacity.

A deal announced as "$30B of compute" *and* "up to one gigawatt" can be read two ways: the
capacity as given, which fixes the price (value / (accelerators x hours of the term)), or the
value at the market's price, which fixes the accelerators (value / (price x hours)). When the
first reading's price falls outside the sourced market rent of the system
(:func:`gigaplan.market.market_range`), gigaplan flags the contract and reports both readings
(and the saving of owning under each) rather than choosing one silently.

Contracts as signed: capacity in dated tranches, a price escalating each contract year
(``price_escalator``), take-or-pay or pay-per-use, and a committed minimum whose shortfall is
paid at the term's end (:func:`first_price`, :func:`term_hours`, :func:`shortfall`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..market import market_range

__all__ = ["first_price", "market_reading", "shortfall", "term_hours", "warnings", "years_since"]


def market_reading(system: str, *, accelerators: float, term_hours: float, price_h: float | None,
                   total_value_usd: float | None, given_price: bool, owned_h,
                   level=1.0) -> dict:
    """The market side of one contract.

    The market's rents are today's; a price locked for a multi-year term compares with their
    level over the term, ``level`` x today's (:func:`gigaplan.finance.formulas.rent_level`
    of ``finance.rent_decline_per_year``; per sample).

    Returns
    -------
    dict
        ``market_low_usd_per_hour``, ``market_high_usd_per_hour`` (today's) and
        ``market_source`` (None without a range for the system); ``market_level`` (the
        level factor, per sample); ``price_vs_market`` (``below``, ``within``, ``above`` the
        levelled range, sample 0; None without a price or a range); for a contract priced by
        its value, ``accelerators_at_market`` ([fewest, most] per sample: the value at the
        high and the low levelled price over the term) and ``saving_at_market`` (per sample,
        the saving of owning against the low and the high levelled price,
        ``1 - owned / price``; None without an owned cost of the same system).
    """
    rng = market_range("rent_usd_per_accelerator_hour", system)
    out = {"market_low_usd_per_hour": None, "market_high_usd_per_hour": None,
           "market_source": None, "market_level": None, "price_vs_market": None,
           "accelerators_at_market": None, "saving_at_market": None}
    if rng is None:
        return out
    level = np.atleast_1d(np.asarray(level, dtype=float))
    lo, hi = rng["low"], rng["high"]
    out.update(market_low_usd_per_hour=lo, market_high_usd_per_hour=hi,
               market_source=rng["source"], market_level=level)
    if price_h is not None:
        out["price_vs_market"] = ("below" if price_h < lo * level[0] else
                                  "above" if price_h > hi * level[0] else "within")
    if total_value_usd is not None and not given_price and term_hours > 0:
        out["accelerators_at_market"] = [total_value_usd / (hi * level * term_hours),
                                         total_value_usd / (lo * level * term_hours)]
        if owned_h is not None:
            out["saving_at_market"] = [1.0 - np.asarray(owned_h) / (lo * level),
                                       1.0 - np.asarray(owned_h) / (hi * level)]
    return out


def warnings(rows: list[dict]) -> list[str]:
    """A warning per contract priced by its value whose implied price is outside the market
    range, with the other reading."""
    out = []
    for i, r in enumerate(rows):
        if r["accelerators_at_market"] is None or r["price_vs_market"] in (None, "within"):
            continue
        few, many = r["accelerators_at_market"]
        level = r["market_level"]
        out.append(
            f"contracts[{i}] ({r['name']}): its total value over {r['accelerators']:,.0f} "
            f"{r['system']} implies ${r['usd_per_accelerator_hour']:.2f} per accelerator-hour, "
            f"{r['price_vs_market']} the market's ${r['market_low_usd_per_hour']:.2f}-"
            f"{r['market_high_usd_per_hour']:.2f} today ({r['market_source']}), "
            f"${r['market_low_usd_per_hour'] * level:.2f}-"
            f"{r['market_high_usd_per_hour'] * level:.2f} levelled over the term as rents fall; "
            f"at market prices the value buys {few:,.0f}-{many:,.0f} accelerators over the "
            "term. Read as given here; "
            "the claims check shows both readings (give price_usd_per_accelerator_hour or the "
            "accelerators the deal commits to, to settle it)")
    return out


def years_since(start, months: pd.DatetimeIndex) -> np.ndarray:
    """Whole years from ``start``'s month to each of ``months`` (0 in the first 12)."""
    s = pd.Timestamp(start)
    k = (months.year * 12 + months.month).to_numpy() - (s.year * 12 + s.month)
    return np.clip(k // 12, 0, None)


def term_hours(c, blocks: pd.DataFrame) -> tuple[float, float]:
    """(accelerator-hours over the whole term, of which escalated: sum of hours x accelerators
    x (1 + price_escalator)^(whole years since the start)) of contract ``c``'s blocks."""
    months = pd.date_range(pd.Timestamp(c.start).to_period("M").start_time, pd.Timestamp(c.end),
                           freq="MS")
    nxt = months + pd.offsets.MonthBegin(1)
    growth = (1.0 + c.price_escalator) ** years_since(c.start, months)
    plain = escalated = 0.0
    for row in blocks.itertuples():
        lo = np.maximum(months.values, np.datetime64(pd.Timestamp(row.start)))
        hi = np.minimum(nxt.values, np.datetime64(pd.Timestamp(c.end)))
        h = np.clip((hi - lo) / np.timedelta64(1, "h"), 0.0, None) * row.accelerators
        plain, escalated = plain + h.sum(), escalated + (h * growth).sum()
    return float(plain), float(escalated)


def first_price(c, escalated: float) -> tuple[float | None, str]:
    """The first-year price per accelerator-hour of contract ``c`` and its basis: given, or
    its total value over the ``escalated`` accelerator-hours of the term (:func:`term_hours`)."""
    if c.price_usd_per_accelerator_hour is not None:
        return c.price_usd_per_accelerator_hour, "given"
    if c.total_value_usd is not None:
        return c.total_value_usd / escalated, ("total_value_usd / (accelerators x hours of the "
                                               "term, escalated)")
    return None, "unknown"


def shortfall(c, escalated: float, price: float | None, utilization) -> np.ndarray:
    """What a commitment adds in the term's last month, per sample: ``committed_usd`` less
    what the term's ``escalated`` hours (:func:`term_hours`) pay (only the used share when not
    take-or-pay); 0 without one."""
    u = np.atleast_1d(np.asarray(utilization, dtype=float))
    if c.committed_usd is None:
        return np.zeros_like(u)
    paid = (price or 0.0) * escalated * (np.ones_like(u) if c.take_or_pay else u)
    return np.clip(c.committed_usd - paid, 0.0, None)
