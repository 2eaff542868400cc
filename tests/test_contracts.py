"""A contract against the market (gigaplan.finance.contracts): both readings by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gigaplan.finance.contracts import market_reading, warnings
from gigaplan.market import market_range


def test_a_value_and_a_capacity_read_both_ways_by_hand():
    rng = market_range("rent_usd_per_accelerator_hour", "gb300-nvl72")
    lo, hi = rng["low"], rng["high"]
    term_h = 5 * 8760.0
    # $30B over 5 years on 533,333 GB300 (1 GW read as IT load): 30e9 / (533,333 x 43,800 h)
    price = 30e9 / (533_333 * term_h)
    assert price == pytest.approx(1.2842, abs=1e-4)
    r = market_reading("gb300-nvl72", accelerators=533_333, term_hours=term_h, price_h=price,
                       total_value_usd=30e9, given_price=False, owned_h=np.array([2.79]))
    assert r["price_vs_market"] == "below"
    # at the market's price the $30B buys 30e9 / (high x 43,800) to 30e9 / (low x 43,800)
    assert r["accelerators_at_market"] == pytest.approx([30e9 / (hi * term_h),
                                                         30e9 / (lo * term_h)])
    # and owning at $2.79/h saves 1 - 2.79 / low to 1 - 2.79 / high against it
    assert [float(v[0]) for v in r["saving_at_market"]] == pytest.approx(
        [1 - 2.79 / lo, 1 - 2.79 / hi])
    (w,) = warnings([{"name": "azure", "system": "gb300-nvl72", "accelerators": 533_333,
                      "usd_per_accelerator_hour": price, **r}])
    assert w.startswith("contracts[0] (azure)") and "implies $1.28 per accelerator-hour" in w


def test_a_given_price_has_one_reading():
    r = market_reading("h100-sxm", accelerators=10_000, term_hours=8760.0, price_h=2.0,
                       total_value_usd=None, given_price=True, owned_h=None)
    assert r["price_vs_market"] == "within" and r["accelerators_at_market"] is None
    assert warnings([{"name": "c", "system": "h100-sxm", "accelerators": 1e4,
                      "usd_per_accelerator_hour": 2.0, **r}]) == []
    none = market_reading("tpu-v7", accelerators=1, term_hours=1.0, price_h=1.0,
                          total_value_usd=1.0, given_price=False, owned_h=None)
    assert none["market_source"] is None  # no rent range on file for TPU v7
