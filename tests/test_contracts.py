"""A contract against the market (gigaplan.finance.contracts): both readings by hand, and the
rent levelled as it falls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan.assumptions import Assumptions
from gigaplan.finance.contracts import market_reading, warnings
from gigaplan.finance.formulas import rent_level
from gigaplan.finance.site import cost
from gigaplan.market import market_range


def test_a_value_and_a_capacity_read_both_ways_by_hand():
    rng = market_range("rent_usd_per_accelerator_hour", "gb300-nvl72")
    lo, hi = rng["low"], rng["high"]
    term_h = 5 * 8760.0
    # $30B over 5 years on 533,333 GB300 (1 GW read as IT load): 30e9 / (533,333 x 43,800 h)
    price = 30e9 / (533_333 * term_h)
    assert price == pytest.approx(1.2842, abs=1e-4)
    level = 0.6  # the market's rent levelled over the term, as a share of today's
    r = market_reading("gb300-nvl72", accelerators=533_333, term_hours=term_h, price_h=price,
                       total_value_usd=30e9, given_price=False, owned_h=np.array([2.79]),
                       level=level)
    assert r["price_vs_market"] == "below"
    # at the market's levelled price the $30B buys 30e9 / (0.6 high x 43,800) to
    # 30e9 / (0.6 low x 43,800) accelerators
    assert [float(v[0]) for v in r["accelerators_at_market"]] == pytest.approx(
        [30e9 / (hi * level * term_h), 30e9 / (lo * level * term_h)])
    # and owning at $2.79/h saves 1 - 2.79 / (0.6 low) to 1 - 2.79 / (0.6 high) against it
    assert [float(v[0]) for v in r["saving_at_market"]] == pytest.approx(
        [1 - 2.79 / (lo * level), 1 - 2.79 / (hi * level)])
    row = {**r, "market_level": level,
           "accelerators_at_market": [float(v[0]) for v in r["accelerators_at_market"]]}
    (w,) = warnings([{"name": "azure", "system": "gb300-nvl72", "accelerators": 533_333,
                      "usd_per_accelerator_hour": price, **row}])
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


@settings(max_examples=25, deadline=None)
@given(slow=st.floats(0.0, 0.6), faster=st.floats(0.001, 0.3), years=st.floats(0.5, 10))
def test_a_faster_falling_rent_never_makes_owning_look_better(slow, faster, years):
    fast = min(slow + faster, 0.99)
    # the rent steps down each year: within the first year there is nothing to level
    assert rent_level(fast, years, 0.08) <= rent_level(slow, years, 0.08)
    if years > 1:
        assert rent_level(fast, years, 0.08) < rent_level(slow, years, 0.08)
    a = [Assumptions().updated({"finance.rent_decline_per_year": d}) for d in (slow, fast)]
    saving = [cost("h100-sxm", 1000, cloud_usd_per_hour=3.0, a=x).saving_vs_cloud for x in a]
    assert saving[1] < saving[0]


def test_no_decline_levels_to_todays_rent():
    # and a two-year rent falling 10% a year, undiscounted, levels to (1 + 0.9) / 2 = 0.95
    assert rent_level(0.0, 5, 0.08) == pytest.approx(1.0)
    assert rent_level(0.1, 2, 0.0) == pytest.approx(0.95)
