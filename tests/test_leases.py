"""Leased sites (finance): the lease formulas by hand, the three published Fluidstack leases,
cost properties, the owned/leased split of capex, and bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan.assumptions import Assumptions
from gigaplan.finance.formulas import crf, lease_usd_per_month, lease_usd_per_year
from gigaplan.scenario import load_scenario
from gigaplan.units import parse_quantity

from .helpers import assert_bad_input, invoke, money_of

# ---------------------------------------------------------------------------- formulas


def test_a_monthly_lease_payment_by_hand():
    # 200 MW at $154.17/kW-month, 3% a year, 10 years: month 0 = 154.17 x 200,000 kW =
    # $30,834,000; month 12 (lease year 1) x 1.03; month 119 (year 9) x 1.03^9; month 120: 0
    pay = lease_usd_per_month(154.17, 200, np.array([0, 11, 12, 119, 120, -1]), term_years=10,
                              escalator=0.03)
    assert pay.tolist() == pytest.approx([30_834_000, 30_834_000, 30_834_000 * 1.03,
                                          30_834_000 * 1.03 ** 9, 0, 0])


def test_the_level_annual_lease_by_hand():
    # no escalator: 12 x 1,000 x 100 MW x $150 = $180M a year, whatever the discount rate
    assert lease_usd_per_year(150, 100, term_years=10, escalator=0, discount_rate=0.08) == \
        pytest.approx(180e6)
    # two years, +10% in the second, undiscounted: the mean of 180 and 198 = $189M
    assert lease_usd_per_year(150, 100, term_years=2, escalator=0.1, discount_rate=0.0) == \
        pytest.approx(189e6)
    # discounted at 10%: (180 / 1.1 + 198 / 1.21) / (1 / 1.1 + 1 / 1.21) = 188.571...
    want = (180 / 1.1 + 198 / 1.21) / (1 / 1.1 + 1 / 1.21) * 1e6
    assert lease_usd_per_year(150, 100, term_years=2, escalator=0.1, discount_rate=0.1) == \
        pytest.approx(want)


def test_lease_prices_parse_with_their_units():
    assert parse_quantity("$180/kW-month", "usd_per_kw_month") == 180.0
    assert parse_quantity("175 USD/kW/mo", "usd_per_kw_month") == 175.0


# ---------------------------------------------------------------------------- scenarios

def _leased(mw: float, price, years: float, escalator=0, start="2026-01") -> dict:
    end_year = int(start[:4]) + int(np.ceil(years)) + 1
    return {"name": "lease", "horizon": {"start": start, "end": f"{end_year}-12"},
            "sites": [{"name": "s", "region": "nyiso", "cooling": "liquid",
                       "distribution": "hvdc", "grid_cap_mw": 2 * mw, "ownership": "leased",
                       "lease_usd_per_kw_month": price, "lease_term_years": years,
                       "lease_escalator": escalator,
                       "phases": [{"online": start, "system": "gb300-nvl72", "it_mw": mw}]}]}


#: The three leases the issue names, with their cited totals:
#: (critical IT MW, total USD, term years, source)
PUBLISHED = {
    # TeraWulf Lake Mariner (NY) for Fluidstack: ~360 MW, ~$6.7B over 10 years (TeraWulf,
    # 2025-08-14, CB-1..CB-5 with Google's backstop; blockspace.media)
    "terawulf-lake-mariner": (360, 6.7e9, 10),
    # Cipher Barber Lake (TX): a 39 MW tranche, ~$830M over 10 years (Cipher Mining, 2025-11)
    "cipher-barber-lake-tranche": (39, 830e6, 10),
    # TeraWulf-Fluidstack Abernathy (TX) joint venture: 168 MW, ~$9.5B over 25 years (2025-10)
    "terawulf-abernathy": (168, 9.5e9, 25),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_the_published_leases_reproduce_their_implied_price(name):
    mw, total, years = PUBLISHED[name]
    implied = total / (mw * 1000 * years * 12)  # $/kW-month from the cited totals
    # Lake Mariner 6.7e9 / (360,000 x 120) = $155.1; Barber Lake 830e6 / (39,000 x 120) =
    # $177.4; Abernathy 9.5e9 / (168,000 x 300) = $188.5
    assert implied == pytest.approx({"terawulf-lake-mariner": 155.09,
                                     "cipher-barber-lake-tranche": 177.35,
                                     "terawulf-abernathy": 188.49}[name], abs=0.01)
    # the same lease in a scenario at that flat price pays the cited total over its term ...
    m = money_of(load_scenario(_leased(mw, implied, years)))
    paid = m.yearly["lease_payments_usd"].sum()
    assert paid == pytest.approx(total, rel=0.10)
    # ... and with a 3% escalator, the first-year price that pays the same total averages to
    # the implied price over the term
    first = implied * years / sum(1.03 ** y for y in range(years))
    esc = money_of(load_scenario(_leased(mw, first, years, escalator=0.03)))
    average = esc.yearly["lease_payments_usd"].sum() / (mw * 1000 * years * 12)
    assert average == pytest.approx(implied, rel=0.10)


def test_a_leased_site_moves_the_facility_capex_to_the_landlord(minimal):
    owned = money_of(load_scenario(minimal))
    leased_d = copy.deepcopy(minimal)
    leased_d["sites"][0].update(ownership="leased", lease_usd_per_kw_month=170,
                                lease_term_years=15)
    leased = money_of(load_scenario(leased_d))
    b_own, b_lease = owned.blocks.iloc[0], leased.blocks.iloc[0]
    assert b_lease["facility_usd"] == 0 and b_lease["shell_core_usd"] == 0
    assert b_lease["landlord_capex_usd"] == pytest.approx(b_own["facility_usd"])
    assert b_lease["it_usd"] == pytest.approx(b_own["it_usd"])  # the tenant buys the IT
    assert leased.yearly["capex_facility_usd"].sum() == 0
    # 100 MW from 2026-01 to the horizon's end 2027-12: 24 months x 100,000 kW x $170
    assert leased.yearly["lease_payments_usd"].sum() == pytest.approx(24 * 100_000 * 170)
    # the level annual lease is in the block's annual cost: 12 x 100,000 x 170 = $204M
    assert b_lease["lease_usd_per_year"] == pytest.approx(204e6)
    # and the facility's capital recovery (CRF(8%, 20 y)), maintenance and property tax and
    # insurance (shares of facility capex) are the landlord's
    p = Assumptions().group("finance")
    fac = b_own["facility_usd"]
    want = (b_own["annual_cost_usd"] - fac * float(crf(0.08, 20))
            - fac * (p["facility_maintenance_share"] + p["property_tax_insurance_share"])
            + 204e6)
    assert b_lease["annual_cost_usd"] == pytest.approx(want)
    site = leased.run.summary.sites[0]
    assert site.ownership == "leased" and site.capex_facility_usd == 0


@settings(max_examples=15, deadline=None)
@given(price=st.floats(50, 400), cut=st.floats(0.01, 0.9), escalator=st.floats(0, 0.1),
       years=st.integers(1, 20))
def test_a_lower_lease_price_never_raises_cost(price, cut, escalator, years):
    dear = money_of(load_scenario(_leased(100, price, years, escalator)))
    cheap = money_of(load_scenario(_leased(100, price * (1 - cut), years, escalator)))
    assert cheap.blocks["usd_per_accelerator_hour"].iloc[0] < \
        dear.blocks["usd_per_accelerator_hour"].iloc[0]
    assert cheap.npv_usd > dear.npv_usd  # less paid out: a higher (less negative) NPV
    assert (cheap.yearly["lease_payments_usd"] <= dear.yearly["lease_payments_usd"] + 1e-6).all()


# ---------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("change, path, message", [
    ({"ownership": "leased", "lease_usd_per_kw_month": 170}, "sites[0].lease_term_years",
     "a leased site needs it"),
    ({"ownership": "leased", "lease_term_years": 10}, "sites[0].lease_usd_per_kw_month",
     "a leased site needs it"),
    ({"lease_usd_per_kw_month": 170}, "sites[0].lease_usd_per_kw_month",
     "given for an owned site"),
    ({"ownership": "leased", "lease_usd_per_kw_month": "-5", "lease_term_years": 10},
     "sites[0].lease_usd_per_kw_month", "greater than 0"),
    ({"ownership": "leased", "lease_usd_per_kw_month": 170, "lease_term_years": 10,
      "lease_escalator": "30%"}, "sites[0].lease_escalator", "less than or equal to 0.2"),
    ({"ownership": "rented"}, "sites[0].ownership", "owned"),
])
def test_bad_lease_input_is_named(minimal, write, change, path, message):
    import json

    d = copy.deepcopy(minimal)
    d["sites"][0].update(change)
    result = invoke("validate", str(write(json.dumps(d), "s.json")))
    assert_bad_input(result, path)
    assert message in result.stderr, result.stderr


def test_own_lease_or_rent_side_by_side(minimal):
    from gigaplan.finance.formulas import rent_level
    from gigaplan.market import market_range

    owned = money_of(load_scenario(minimal))
    d = copy.deepcopy(minimal)
    d["sites"][0].update(ownership="leased", lease_usd_per_kw_month=170, lease_term_years=15)
    leased = money_of(load_scenario(d))
    a, b = owned.run.summary.sites[0], leased.run.summary.sites[0]
    # the three ways do not depend on how the site is planned
    for k in ("own", "lease_low", "lease_high", "rent_low", "rent_high"):
        key = f"{k}_usd_per_accelerator_hour"
        assert getattr(a, key) == pytest.approx(getattr(b, key)), k
    assert a.own_usd_per_accelerator_hour == pytest.approx(a.usd_per_accelerator_hour)
    # leasing at $p instead of owning: + 12,000 x 100 MW x p a year, - the facility's capital
    # recovery (CRF(8%, 20 y)), maintenance and property tax and insurance
    blk = owned.blocks.iloc[0]
    p = Assumptions().group("finance")
    carry = float(crf(0.08, 20)) + p["facility_maintenance_share"] + \
        p["property_tax_insurance_share"]
    hours = blk["accelerators"] * 8760 * 0.85
    low = market_range("lease_usd_per_kw_month")["low"]
    want = a.own_usd_per_accelerator_hour + (
        12_000 * 100 * low - blk["facility_usd"] * carry) / hours
    assert a.lease_low_usd_per_accelerator_hour == pytest.approx(want)
    # renting: the market's GB200 rent levelled over 5 years as rents fall 28% a year
    rent = market_range("rent_usd_per_accelerator_hour", "gb200-nvl72")
    assert a.rent_low_usd_per_accelerator_hour == pytest.approx(
        rent["low"] * float(rent_level(0.28, 5, 0.08)))
    assert a.rent_coverage == 1.0
