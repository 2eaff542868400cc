"""Tax (gigaplan.finance.tax and the cash flow): MACRS tables of Publication 946, the
mid-month line, losses carried forward by hand, bonus depreciation and resale value."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from gigaplan.finance import tax
from gigaplan.scenario import load_scenario

from .helpers import money_of


def test_the_macrs_tables_are_publication_946s():
    # IRS Publication 946 (2024), Table A-1, half-year convention, percent of basis
    assert tax.MACRS_HALF_YEAR[5] == (0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576)
    assert tax.MACRS_HALF_YEAR[7] == (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893,
                                      0.0446)
    for rates in tax.MACRS_HALF_YEAR.values():
        assert sum(rates) == pytest.approx(1.0, abs=1e-4)


def test_macrs_by_year_by_hand():
    # $100 placed in service in year 0 and $50 in year 2, 5-year table, a 4-year horizon:
    # year 0: 20; year 1: 32; year 2: 19.2 + 10 (50 x 20%); year 3: 11.52 + 16 (50 x 32%)
    got = tax.macrs(np.array([[100.0, 0.0, 50.0, 0.0]]), 5)
    assert got[0] == pytest.approx([20, 32, 29.2, 27.52])


def test_the_mid_month_line_by_hand():
    # $12 placed in service in month 0 over 1 year: half a month (0.5) first, then 1 a month
    # for 11 months, then the last half month
    got = tax.mid_month_straight_line(np.r_[12.0, np.zeros(13)], 1.0)
    assert got == pytest.approx([0.5] + [1.0] * 11 + [0.5, 0.0])
    assert got.sum() == pytest.approx(12.0)


def test_losses_carried_forward_over_three_years_by_hand():
    # losses of 100 then 50; income of 60: 80% of 60 = 48 used, 12 taxed, 102 carried;
    # income of 200: 80% = 160 > 102, so 102 used, 98 taxed, nothing carried
    after, carried = tax.carry_forward(np.array([[-100.0, -50.0, 60.0, 200.0]]))
    assert after[0] == pytest.approx([-100, -50, 12, 98])
    assert carried[0] == pytest.approx([100, 150, 102, 0])


def _revenue(minimal, **finance) -> dict:
    d = copy.deepcopy(minimal)
    d["horizon"] = {"start": "2026-01", "end": "2034-12"}
    d["finance"] = {"revenue_usd_per_accelerator_hour": 3.0, **finance}
    return d


def test_macrs_and_bonus_move_deductions_forward_not_their_total(minimal):
    sl = money_of(load_scenario(_revenue(minimal))).yearly
    mac = money_of(load_scenario(_revenue(minimal, depreciation="macrs"))).yearly
    bonus = money_of(load_scenario(_revenue(minimal, depreciation="macrs",
                                            bonus_depreciation=1.0))).yearly
    first = sl.index[sl["year"] == 2026][0]
    # accelerators ($ IT) all placed in 2026: straight line writes off 1/5 a year, MACRS 20%
    # in 2026 (half-year) then 32%, 100% bonus all of it in 2026
    it = sl["capex_it_usd"].sum()
    assert bonus.loc[first, "depreciation_usd"] >= it
    assert mac.loc[first + 1, "depreciation_usd"] > sl.loc[first + 1, "depreciation_usd"]
    # deducting earlier never raises the tax paid over the horizon (losses carry forward)
    assert bonus["tax_usd"].sum() <= mac["tax_usd"].sum() + 1e-3
    # the accelerators are fully written off within 6 years either way
    assert mac["depreciation_usd"].sum() > it


def test_without_carry_forward_losses_are_lost(minimal):
    carried = money_of(load_scenario(_revenue(minimal, bonus_depreciation=1.0))).yearly
    lost = money_of(load_scenario(_revenue(minimal, bonus_depreciation=1.0,
                                           loss_carryforward=False))).yearly
    assert lost["tax_usd"].sum() > carried["tax_usd"].sum()
    assert (lost["loss_carried_usd"] == 0).all() and carried["loss_carried_usd"].max() > 0


def test_resale_value_comes_back_at_the_end_of_life(minimal):
    d = _revenue(minimal, residual_share="10%", accelerator_life_years=4)
    y = money_of(load_scenario(d)).yearly
    # the accelerators delivered over 2026's first quarter (3-month ramp) are sold 4 years on,
    # in 2030: 10% of their cost comes back then, and nothing else is sold in the horizon
    it = y["capex_it_usd"].sum()
    assert y["residual_value_usd"].sum() == pytest.approx(0.10 * it)
    assert y.loc[y["residual_value_usd"] > 0, "year"].tolist() == [2030]


def test_energy_escalates_a_year_at_a_time(minimal):
    flat = money_of(load_scenario(_revenue(minimal))).yearly.set_index("year")
    up = money_of(load_scenario(_revenue(minimal, energy_escalator="5%"))).yearly.set_index("year")
    # the horizon starts 2026-01: 2026 at today's price, 2027 x 1.05, 2028 x 1.05^2
    for year, factor in ((2026, 1.0), (2027, 1.05), (2028, 1.05 ** 2)):
        assert up.loc[year, "energy_usd"] == pytest.approx(flat.loc[year, "energy_usd"] * factor)


def test_accelerator_prices_fall_along_their_path(minimal):
    from gigaplan import catalog
    from gigaplan.assumptions import Assumptions

    d = copy.deepcopy(minimal)
    d["horizon"] = {"start": "2026-01", "end": "2036-12"}
    d["finance"] = {"refresh": True, "accelerator_life_years": 5}
    s = load_scenario(d)
    flat = money_of(s).yearly.set_index("year")["capex_it_usd"]
    a = Assumptions().updated({"finance.accelerator_price_decline_per_year": 0.1})
    falling = money_of(s, a).yearly.set_index("year")["capex_it_usd"]
    # the GB200 phase comes online 2026-01, some years after the catalog price's date: it
    # costs 0.9^years of it; the refresh 5 years on costs 0.9^5 of that again
    price_date = catalog.accelerator("gb200-nvl72").source_date
    import pandas as pd

    years = (pd.Timestamp("2026-01-01") - pd.Timestamp(price_date)) / pd.Timedelta(days=365.25)
    assert falling[2026] == pytest.approx(flat[2026] * 0.9 ** years)
    assert falling[2031] == pytest.approx(flat[2031] * 0.9 ** years * 0.9 ** 5)
