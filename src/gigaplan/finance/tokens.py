"""Money from tokens: what the serving stage's models earn at their list prices, and what a
million of their tokens costs on the pools that served them.

Revenue per day = served tokens x (prompt share x price per million prompt tokens + generated
share x price per million generated tokens) / 10^6, the shares from the model's request
(``input_tokens`` / ``output_tokens``). Cost = accelerator-hours held on each pool x that
pool's price per accelerator-hour: an owned or leased site's levelised cost (per used hour, at
the scenario's utilisation), a contract's price. Cost per million tokens = cost / served
tokens x 10^6; gross margin = 1 - cost / revenue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["monthly_revenue", "model_rows"]


def _daily_revenue(w, served: np.ndarray) -> np.ndarray:
    p_in = w.price_usd_per_million_input or 0.0
    p_out = w.price_usd_per_million_output or 0.0
    share_in = w.input_tokens / (w.input_tokens + w.output_tokens)
    return served * (share_in * p_in + (1.0 - share_in) * p_out) / 1e6


def monthly_revenue(scenario, serving, months: pd.DatetimeIndex, size: int) -> np.ndarray:
    """Revenue of every served model by calendar month of ``months``, within the horizon,
    per sample (size, T)."""
    out = np.zeros((size, len(months)))
    if serving is None or not serving.models:
        return out
    inside = serving.within(scenario.horizon.start, scenario.horizon.end)
    month_of = serving.days.to_period("M").to_timestamp()
    index = pd.Index(months).get_indexer(month_of)
    keep = inside & (index >= 0)
    idx = index[keep]  # the days are in order, so each month's days are contiguous
    if not len(idx):
        return out
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    for w, m in zip(scenario.serving, serving.models, strict=True):
        daily = np.broadcast_to(_daily_revenue(w, m["served_samples"]), (size, len(inside)))
        out[:, idx[starts]] += np.add.reduceat(daily[:, keep], starts, axis=1)
    return out


def model_rows(scenario, serving, pool_price: dict) -> list[dict]:
    """Per served model within the horizon: tokens demanded and served, revenue, cost, cost
    per million tokens, gross margin. ``pool_price``: pool key -> USD per accelerator-hour
    (NaN where unknown)."""
    if serving is None:
        return []
    inside = serving.within(scenario.horizon.start, scenario.horizon.end)
    rows = []
    for w, m in zip(scenario.serving, serving.models, strict=True):
        served = float(m["served"][inside].sum())
        cost = sum(float(acc[inside].sum()) * 24.0 * pool_price.get(k, np.nan)
                   for k, acc in m["held"].items())
        revenue = float(_daily_revenue(w, m["served"])[inside].sum())
        rows.append({"name": w.name, "demand_tokens": float(m["demand"][inside].sum()),
                     "served_tokens": served, "revenue_usd": revenue, "cost_usd": cost,
                     "usd_per_million_tokens": cost / served * 1e6 if served > 0 else np.nan,
                     "gross_margin": 1.0 - cost / revenue if revenue > 0 else np.nan})
    return rows
