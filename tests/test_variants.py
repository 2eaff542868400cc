"""Scenario variants (``[[variants]]``, run as ``SCENARIO:NAME``): the shipped readings, their
marks, comparing them, and bad input."""

from __future__ import annotations

import copy
import json

import pytest

from gigaplan.scenario import load_scenario

from .conftest import MINIMAL
from .helpers import assert_bad_input, invoke


def test_the_shipped_variants_load_with_their_paths_marked():
    base = load_scenario("fluidstack-2026")
    leased = load_scenario("fluidstack-2026:leased-sites")
    assert leased.name == "fluidstack-2026:leased-sites" and leased.variants == []
    assert [s.ownership for s in leased.sites] == ["leased", "leased"]
    # Texas at Barber Lake's $177/kW-month, New York at Lake Mariner's $155 (10-year terms)
    assert [s.lease_usd_per_kw_month for s in leased.sites] == [177, 155]
    assert leased.provenance["sites[0].lease_usd_per_kw_month"].kind == "source"
    market = load_scenario("fluidstack-2026:azure-at-market")
    azure = market.contracts[0]
    assert azure.it_mw is None and azure.accelerators == 188_000
    assert market.provenance["contracts[0].accelerators"].kind == "assumption"
    assert base.contracts[0].it_mw == 1000  # the base is untouched


def test_comparing_the_readings_shows_what_each_changes():
    r = invoke("compare", "fluidstack-2026", "fluidstack-2026:leased-sites",
               "fluidstack-2026:azure-at-market", "--json")
    assert r.exit_code == 0, r.output
    fig = {row["figure"]: row for row in json.loads(r.stdout)["figures"]}
    base, leased, market = ("fluidstack-2026", "fluidstack-2026:leased-sites",
                            "fluidstack-2026:azure-at-market")
    # leasing: the facility leaves the capex and lease payments appear; the fleet is the same
    assert fig["owned_capex_usd_b"][leased] < fig["owned_capex_usd_b"][base]
    assert fig["lease_payments_usd_b"][leased] > 0 == fig["lease_payments_usd_b"][base]
    assert fig["accelerators"][leased] == fig["accelerators"][base]
    # Azure at market: 188,000 GB300 instead of 533,333 -- 345,333 fewer accelerators
    assert fig["accelerators"][base] - fig["accelerators"][market] == pytest.approx(345_333)


def test_a_variant_over_a_missing_path_is_named(write):
    d = copy.deepcopy(MINIMAL)
    d["variants"] = [{"name": "v", "description": "x", "set": {"sites[3].it_mw": 5}}]
    assert_bad_input(invoke("validate", str(write(json.dumps(d), "v.json"))), "variants[0].set")


def test_an_unknown_variant_is_named_with_the_closest():
    assert_bad_input(invoke("validate", "fluidstack-2026:leased"),
                     "no variant 'leased'; closest: leased-sites")
