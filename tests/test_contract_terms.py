"""Contracts as signed (fleet and finance): tranches, a price escalator, take-or-pay or pay per
use, a committed minimum, an option; each by hand, and bad input."""

from __future__ import annotations

import copy
import json

import pytest

from gigaplan.scenario import load_scenario

from .helpers import assert_bad_input, invoke, money_of

#: One contract of H100 from 2026-01-01 to 2028-01-01 (2 years: 17,520 h), nothing else.
BASE = {"name": "c", "horizon": {"start": "2026-01", "end": "2027-12"},
        "contracts": [{"name": "k", "provider": "P", "system": "h100-sxm",
                       "accelerators": 1000, "start": "2026-01-01", "end": "2028-01-01",
                       "price_usd_per_accelerator_hour": 2.0}]}


def _run(**contract):
    d = copy.deepcopy(BASE)
    d["contracts"][0].update(contract)
    for k in [k for k, v in contract.items() if v is None]:
        del d["contracts"][0][k]
    return money_of(load_scenario(d))


def test_a_flat_contract_by_hand():
    m = _run()
    # 1,000 accelerators x 8,760 h x $2 = $17.52M in each of 2026 and 2027
    assert m.yearly["contract_payments_usd"].tolist() == pytest.approx([17.52e6, 17.52e6])


def test_tranches_step_the_capacity_up():
    m = _run(accelerators=None, tranches=[{"start": "2026-01-01", "accelerators": 1000},
                                          {"start": "2027-01-01", "accelerators": 3000}])
    # 2026: 1,000 x 8,760 x $2 = $17.52M; 2027: 4,000 x 8,760 x $2 = $70.08M
    assert m.yearly["contract_payments_usd"].tolist() == pytest.approx([17.52e6, 70.08e6])
    blocks = m.run.fleet.blocks
    assert blocks["block"].tolist() == ["k/1", "k/2"] and m.contracts[0]["accelerators"] == 4000


def test_a_total_value_over_tranches_and_an_escalator():
    # $100M over tranches of 1,000 (2026-) and +1,000 (2027-), +10% in the second year:
    # escalated accelerator-hours = 1,000 x 8,760 + 2,000 x 8,760 x 1.1 = 28,032,000, so the
    # first-year price is 100e6 / 28,032,000 = $3.5674; 2026 pays 8.76M h x 3.5674 = $31.25M,
    # 2027 pays 17.52M h x 3.5674 x 1.1 = $68.75M: the $100M in all
    m = _run(accelerators=None, price_usd_per_accelerator_hour=None, total_value_usd=100e6,
             price_escalator="10%", tranches=[{"start": "2026-01-01", "accelerators": 1000},
                                              {"start": "2027-01-01", "accelerators": 1000}])
    p0 = 100e6 / 28_032_000
    assert m.yearly["contract_payments_usd"].tolist() == pytest.approx(
        [8.76e6 * p0, 17.52e6 * p0 * 1.1])
    assert m.yearly["contract_payments_usd"].sum() == pytest.approx(100e6)
    # the price reported is the average over the term: 100e6 / 26.28M accelerator-hours
    assert m.contracts[0]["usd_per_accelerator_hour"] == pytest.approx(100e6 / 26.28e6)


def test_pay_per_use_and_a_commitment():
    u = 0.85  # the scenario's default utilisation (gigaplan catalog finance)
    per_use = _run(take_or_pay=False)
    assert per_use.yearly["contract_payments_usd"].sum() == pytest.approx(35.04e6 * u)
    # a $40M commitment over the term: pay-per-use pays 35.04M x 0.85 = $29.78M, so
    # 40 - 29.78 = $10.22M more in the term's last month (December 2027)
    committed = _run(take_or_pay=False, committed_usd="$40M")
    y = committed.yearly.set_index("year")["contract_payments_usd"]
    assert y.sum() == pytest.approx(40e6)
    assert y[2027] == pytest.approx(17.52e6 * u + (40e6 - 35.04e6 * u))
    # a commitment below what take-or-pay pays anyway adds nothing
    assert _run(committed_usd="$30M").yearly["contract_payments_usd"].sum() == \
        pytest.approx(35.04e6)


def test_an_option_is_reported_not_installed():
    m = _run(accelerators=None, it_mw=100, option_it_mw="500 MW")
    assert m.contracts[0]["option_it_mw"] == 500
    assert m.run.fleet.blocks["it_mw"].sum() == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize("change, path, message", [
    ({"tranches": [{"start": "2028-06-01", "accelerators": 10}], "accelerators": None},
     "contracts[0].tranches[0].start", "outside the contract's term"),
    ({"tranches": [{"start": "2026-06-01", "accelerators": 10}]},
     "contracts[0].accelerators", "not both"),
    ({"tranches": [{"start": "2027-06-01", "accelerators": 10},
                   {"start": "2026-06-01", "accelerators": 10}], "accelerators": None},
     "contracts[0].tranches[1].start", "date order"),
    ({"option_it_mw": "50 GW"}, "contracts[0].option_it_mw", "not a plausible option"),
    ({"committed_usd": -5e6}, "contracts[0].committed_usd", "greater than 0"),
])
def test_bad_contract_terms_are_named(write, change, path, message):
    d = copy.deepcopy(BASE)
    d["contracts"][0].update({k: v for k, v in change.items() if v is not None})
    for k in [k for k, v in change.items() if v is None]:
        del d["contracts"][0][k]
    result = invoke("validate", str(write(json.dumps(d), "c.json")))
    assert_bad_input(result, path)
    assert message in result.stderr, result.stderr
