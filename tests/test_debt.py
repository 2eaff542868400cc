"""Debt financing (gigaplan.finance.debt and the cash flow): repayment by hand, the equity's
cash flow, NPV and IRR checked independently, WACC, and bad input."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan.finance import debt
from gigaplan.scenario import load_scenario

from .conftest import MINIMAL
from .helpers import assert_bad_input, invoke, money_of


def test_a_level_annuity_by_hand():
    # $1 at 7% over 10 years: payment = 0.07 x 1.07^10 / (1.07^10 - 1) = 0.142378; year 1:
    # interest 0.07, principal 0.072378; year 2: interest 0.07 x (1 - 0.072378) = 0.064934
    interest, principal = debt.unit_profile(0.07, 10, "level")
    assert (interest + principal) == pytest.approx(np.full(10, 0.1423775), abs=1e-7)
    assert interest[:2] == pytest.approx([0.07, 0.07 * (1 - 0.0723775)], abs=1e-7)
    assert principal.sum() == pytest.approx(1.0)


def test_equal_principal_by_hand():
    # $1 over 4 years at 10%: principal 0.25 a year; interest on 1, 0.75, 0.5, 0.25
    interest, principal = debt.unit_profile(0.10, 4, "linear")
    assert principal == pytest.approx([0.25] * 4)
    assert interest == pytest.approx([0.1, 0.075, 0.05, 0.025])


def test_a_schedule_repays_what_is_left_in_the_last_year():
    # $100 drawn at the end of year 0 and $50 at the end of year 1, 4-year equal principal at
    # 10%, a 4-year horizon: year 1 pays 25 + 10 interest; year 2: 25 + 12.5 and 7.5 + 5;
    # year 3 is the last: what is left (100 - 75 = 25, 50 - 25 = 25 after its instalments) goes
    draws = np.array([[100.0, 50.0, 0.0, 0.0]])
    s = debt.schedule(draws, 0.10, 4, "linear")
    assert s["interest"][0] == pytest.approx([0, 10, 7.5 + 5, 5 + 3.75])
    assert s["principal"][0, :3] == pytest.approx([0, 25, 25 + 12.5])
    assert s["principal"].sum() == pytest.approx(150.0)  # every draw is repaid in the horizon
    assert s["balance"][0] == pytest.approx([100, 125, 87.5, 50])


def test_wacc_by_hand():
    # 60% debt at 6.58%, equity at 10%, 21% tax: 0.4 x 0.10 + 0.6 x 0.0658 x 0.79 = 0.071189
    assert float(debt.wacc(0.6, 0.0658, 0.10, 0.21)) == pytest.approx(0.0711892)


def _with(minimal, **finance) -> dict:
    d = copy.deepcopy(minimal)
    d["horizon"] = {"start": "2026-01", "end": "2035-12"}
    d["finance"] = {"revenue_usd_per_accelerator_hour": 4.0, **finance}
    return d


def test_no_debt_leaves_the_owned_model_as_it_was(minimal):
    plain = money_of(load_scenario(_with(minimal)))
    y = plain.yearly
    assert (y["equity_cash_flow_usd"] == y["net_cash_flow_usd"]).all()
    assert (y[["debt_draw_usd", "interest_usd", "principal_usd"]] == 0).all().all()
    f = plain.run.finance
    assert f.equity_npv_usd[0] == pytest.approx(f.npv_usd[0])
    assert f.wacc[0] == pytest.approx(0.08)  # all equity at the discount rate


def test_the_equity_cash_flow_and_its_returns(minimal):
    m = money_of(load_scenario(_with(minimal, debt_share=0.6, equity_return="12%")))
    y, f = m.yearly, m.run.finance
    # the equity puts in 40% of the capex, gets the project's cash less debt service
    eq = y["net_cash_flow_usd"] + y["debt_draw_usd"] - y["interest_usd"] - y["principal_usd"]
    assert y["equity_cash_flow_usd"].to_numpy() == pytest.approx(eq.to_numpy())
    assert y["debt_draw_usd"].sum() == pytest.approx(0.6 * y["capex_usd"].sum())
    assert y["principal_usd"].sum() == pytest.approx(y["debt_draw_usd"].sum())
    # NPV: the discounted sum of the rows, t = 0 in 2026 (construction in 2024-25 is t < 0)
    t = (y["year"] - 2026).to_numpy(dtype=float)
    assert f.equity_npv_usd[0] == pytest.approx(float((eq / 1.12 ** t).sum()))
    # IRR, checked without numpy-financial: the equity's flows discount to zero at it
    r = float(f.equity_irr[0])
    assert abs(float((eq / (1 + r) ** t).sum())) < 1e-6 * float(np.abs(eq).sum())
    # interest is deductible: over the horizon the tax paid falls by at most 21% of the
    # interest (a loss it creates may be used in a later year: losses carry forward)
    plain = money_of(load_scenario(_with(minimal)))
    saved = plain.yearly["tax_usd"] - y["tax_usd"]
    assert 0 < saved.sum() <= 0.21 * y["interest_usd"].sum() + 1e-6
    assert f.min_dscr[0] > 0


@settings(max_examples=10, deadline=None)
@given(share=st.floats(0.05, 1.0), rate=st.floats(0.0, 0.15), tenor=st.integers(1, 30))
def test_all_debt_is_repaid_within_the_horizon(share, rate, tenor):
    y = money_of(load_scenario(_with(MINIMAL, debt_share=share, interest_rate=rate,
                                     debt_tenor_years=tenor))).yearly
    assert y["principal_usd"].sum() == pytest.approx(y["debt_draw_usd"].sum(), rel=1e-9)
    assert (y["interest_usd"] >= 0).all()


@pytest.mark.parametrize("change, path", [
    ({"debt_share": 1.5}, "finance.debt_share"),
    ({"repayment": "balloon"}, "finance.repayment"),
    ({"debt_tenor_years": 0}, "finance.debt_tenor_years"),
    ({"interest_rate": "-1%"}, "finance.interest_rate"),
])
def test_bad_debt_input_is_named(minimal, write, change, path):
    d = copy.deepcopy(minimal)
    d["finance"] = change
    assert_bad_input(invoke("validate", str(write(json.dumps(d), "s.json"))), path)
