"""Finance: hand-checked sites, CRF/NPV/IRR, public figures, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gigaplan
from gigaplan import catalog, facility, finance, reliability
from gigaplan.assumptions import Assumptions
from gigaplan.assumptions import catalog as parameter_catalog
from gigaplan.errors import GigaplanError, ScenarioError
from gigaplan.scenario import scenario_from_dict

from .helpers import money_of

CRF_8_5 = 0.08 * 1.08**5 / (1.08**5 - 1)     # 0.250456
CRF_8_20 = 0.08 * 1.08**20 / (1.08**20 - 1)  # 0.101852


def test_crf_hand_values_and_limits():
    # CRF(8%, 5) = 0.08 x 1.469328 / 0.469328 = 0.250456
    assert finance.crf(0.08, 5) == pytest.approx(0.250456, rel=1e-5)
    assert finance.crf(0.0, 4) == 0.25  # no interest: straight repayment
    assert finance.crf(0.08, 1) == pytest.approx(1.08)
    for rate, years, message in ((-1.0, 5, "discount rate"), (-2.5, 5, "discount rate"),
                                 (0.08, 0, "life"), (0.08, -3, "life")):
        with pytest.raises(GigaplanError, match=message):
            finance.crf(rate, years)


def test_hand_checked_owned_h100_site():
    r = finance.cost("h100-sxm", 100_000, cooling="air", distribution="ac", region="ercot",
                     cloud_usd_per_hour=2.50)
    # construction: $11.7M/MW x 0.90 (ERCOT) x 138.975 MW of critical IT (100,000 x 1,275 W x
    # 1.09 all in) = $1,463,406,750
    #   shell 47% = 687,801,172.5; mechanical 21% x 1.0 (air) = 307,315,417.5; soft 10% =
    #   146,340,675; land 138.975 MW x 0.5 acre x $244k = 16,954,950
    # facility = 1,463,406,750 x 1.10 + 16,954,950 = 1,626,702,375
    # IT: 100,000 x $40,000 = $4.0B; + 12% network + 3% storage = $4.6B
    assert r.capex["shell_core_usd"] == pytest.approx(687_801_172.5)
    assert r.capex["mechanical_usd"] == pytest.approx(307_315_417.5)
    assert r.capex_facility_usd == pytest.approx(1_626_702_375)
    assert r.capex_it_usd == pytest.approx(4_600_000_000)
    assert r.capex_usd == pytest.approx(6_226_702_375)
    # opex: maintenance 2% x 1,626,702,375 + 3% x 4.6B = 170,534,047.5; staff 0.57 x 138.975 x
    # $120k = 9,505,890; tax+insurance 1% x 6,226,702,375 = 62,267,023.75; transit $20k x
    # 138.975 = 2,779,500; energy = the facility model's MWh x $66/MWh (EIA 2023 Texas
    # industrial)
    site = facility.single_site("h100-sxm", 100_000, cooling="air", region="ercot")
    energy = site.annual_mwh * 66.0
    opex = energy + 170_534_047.5 + 9_505_890 + 62_267_023.75 + 2_779_500
    assert r.opex["energy_usd"] == pytest.approx(energy)
    assert r.opex_usd_per_year == pytest.approx(opex)
    # annual = 1,626,702,375 x CRF(8%, 20) + 4.6B x CRF(8%, 5) + opex
    annual = 1_626_702_375 * CRF_8_20 + 4_600_000_000 * CRF_8_5 + opex
    assert r.annual_cost_usd == pytest.approx(annual)
    # per used GPU-hour at 85%: annual / (100,000 x 8,760 x 0.85) ~ $2.20
    assert r.usd_per_accelerator_hour == pytest.approx(annual / (100_000 * 8760 * 0.85))
    assert r.usd_per_accelerator_hour == pytest.approx(2.20, abs=0.01)
    # per 1e24 FLOP: goodput of the reference job (training.reference_job_accelerators =
    # 16,384 of the 100,000 H100, 90 days of BF16 compute, checkpointing the compute-optimal
    # model: sqrt(16,384 x 9.894e14 x 0.41 x 7,776,000 s / 120) = 657B parameters, 9.1 TB)
    # from the reliability model: MTBF 2.9 h, 3-minute in-memory recovery, 1% other badput
    # -> 0.971
    ref = reliability.run_goodput(16_384, "h100-sxm", reliability.compute_optimal_params(
        16_384 * 9.894e14 * 0.41 * 90 * 86_400))[0]
    assert r.goodput == pytest.approx(float(ref), rel=1e-12)
    assert r.goodput == pytest.approx(0.971, abs=1e-3)
    flop = 100_000 * 9.894e14 * 0.41 * r.goodput * 0.85 * 31_536_000
    assert r.usd_per_1e24_flop == pytest.approx(annual / flop * 1e24)
    # vs $2.50/h today, renting over the same 5 years as rents fall 28% a year (8% discount)
    # levels to 2.50 x 0.60410 = $1.51/h: saving 1 - 2.20 / 1.51 ~ -46%; break-even
    # utilisation = annual / (N x 8760 x 1.51), above 100%: renting wins at any use
    level = 2.50 * 0.604096
    assert r.cloud_level_usd_per_hour == pytest.approx(level, rel=1e-5)
    assert r.saving_vs_cloud == pytest.approx(1 - r.usd_per_accelerator_hour / level, rel=1e-5)
    assert r.breakeven_utilization == pytest.approx(annual / (100_000 * 8760 * level), rel=1e-5)


def test_hand_checked_gb200_liquid_hvdc_site():
    r = finance.cost("gb200-nvl72", 72_000, distribution="hvdc", region="nyiso")
    # IT nominal 72,000 x 1,666.7 W x 1.08 (all in) = 129.602592 MW; construction $11.7M x
    # 1.10 (NYISO) x 129.602592 = $1,667,985,359; mechanical 21% x 1.25 (liquid) =
    # 437,846,157; electrical 32% x 1.0 (hvdc cost-neutral) = 533,755,315
    build = 11.7e6 * 1.10 * 129.602592
    assert r.capex["mechanical_usd"] == pytest.approx(build * 0.21 * 1.25)
    assert r.capex["electrical_usd"] == pytest.approx(build * 0.32)
    facility_usd = build * (0.47 + 0.32 + 0.21 * 1.25) * 1.10 + 129.602592 * 0.5 * 244_000
    assert r.capex_facility_usd == pytest.approx(facility_usd)
    # IT: 72,000 x $43,056 (~$3.1M per NVL72 rack / 72) x 1.15 = $3,565,036,800
    assert r.capex_it_usd == pytest.approx(3_565_036_800)
    # energy at NYISO's $68.7/MWh (EIA 2023 New York industrial)
    assert r.opex["energy_usd"] == pytest.approx(
        facility.single_site("gb200-nvl72", 72_000, distribution="hvdc",
                             region="nyiso").annual_mwh * 68.7)
    assert r.saving_vs_cloud is None and "saving_vs_cloud" not in r.to_dict()


def test_tco_counts_a_second_set_of_accelerators_after_their_life():
    five = finance.cost("h100-sxm", 1_000, years=5)
    six = finance.cost("h100-sxm", 1_000, years=6)
    # years 0..5: facility + IT at t=0, opex x 5; at 6 years a second IT purchase at t=5
    assert five.tco_usd == pytest.approx(five.capex_usd + 5 * five.opex_usd_per_year)
    assert six.tco_usd == pytest.approx(six.capex_usd + six.capex_it_usd
                                           + 6 * six.opex_usd_per_year)


# ------------------------------------------------------------------------------ public figures


def test_construction_cost_per_mw_matches_cbre():
    # CBRE (build.inc 2025): North American average build cost $10.7M per MW; an air/AC site
    # in an average-cost region (PJM, multiplier 1.0) without land and soft costs -> $11.7M.
    r = finance.cost("h100-sxm", 10_000, cooling="air", region="pjm")
    construction = sum(r.capex[k] for k in ("shell_core_usd", "electrical_usd",
                                                 "mechanical_usd"))
    per_mw = construction / facility.single_site("h100-sxm", 10_000).it_nominal_mw
    assert 10.7e6 * 0.75 <= per_mw <= 10.7e6 * 1.25


def test_all_in_cost_per_gw_of_a_gb200_site():
    # From two public figures: GB200 NVL72 ~$3.1M per 120 kW rack (SemiAnalysis via
    # fetchlogic.net) and $11.7M per MW of construction (Cushman & Wakefield 2025):
    # 1,000 MW / 0.12 MW x $3.1M + 1,000 x $11.7M = $25.8B + $11.7B = $37.5B per GW of IT.
    r = finance.cost("gb200-nvl72", 600_000, distribution="hvdc", region="pjm")
    per_gw = r.capex_usd_per_mw_it * 1000
    assert 37.5e9 * 0.75 <= per_gw <= 37.5e9 * 1.25


def test_owned_h100_hour_sits_in_the_2026_rental_market():
    # mercatus-ai.com (2026-05): H100 SXM on demand $3.50-5.00 hyperscaler, $2.50-3.50
    # specialty, $1.99-2.50 long tail; SemiAnalysis index via CompuX: $1.70 (Oct 2025 trough)
    # to $2.35 (Mar 2026). Range 1.70-3.50 widened by 10%.
    r = finance.cost("h100-sxm", 100_000, cooling="air", region="ercot")
    assert 1.70 * 0.9 <= r.usd_per_accelerator_hour <= 3.50 * 1.1
    assert r.usd_per_accelerator_hour < 3.50  # below hyperscaler on-demand


def test_owning_beats_aws_on_demand_h100():
    # disintermediate.global (2026-Q1): AWS p5.48xlarge (8x H100) $98.32 per hour on demand
    # = $12.29 per GPU-hour, $7.42 level over 5 years as rents fall 28% a year: owning at
    # $2.19 saves 1 - 2.19 / 7.42 = 70%, and breaks even at 0.85 x 2.19 / 7.42 = 25% use
    r = finance.cost("h100-sxm", 100_000, cooling="air", cloud_usd_per_hour=98.32 / 8)
    assert 0.68 < r.saving_vs_cloud < 0.72 and 0.24 < r.breakeven_utilization < 0.27


# ------------------------------------------------------------------------------ properties

SYSTEMS = ["h100-sxm", "gb200-nvl72", "gb300-nvl72", "a100-sxm"]


@settings(max_examples=40, deadline=None)
@given(system=st.sampled_from(SYSTEMS), count=st.integers(1, 500_000),
       region=st.sampled_from(catalog.region_names()),
       distribution=st.sampled_from(["ac", "hvdc"]), seed=st.integers(0, 2**16))
def test_costs_are_never_negative(system, count, region, distribution, seed):
    rng = np.random.default_rng(seed)
    table = [p for p in parameter_catalog().values() if p.group == "finance"]
    a = Assumptions().updated({p.name: rng.uniform(p.low, p.high) for p in table})
    r = finance.cost(system, count, region=region, distribution=distribution, a=a)
    assert all(v >= 0 for v in r.capex.values()) and all(v >= 0 for v in r.opex.values())
    assert r.usd_per_accelerator_hour > 0 and r.usd_per_1e24_flop > 0


@settings(max_examples=40, deadline=None)
@given(u1=st.floats(0.05, 1.0), u2=st.floats(0.05, 1.0), system=st.sampled_from(SYSTEMS))
def test_higher_utilisation_never_raises_cost_per_hour(u1, u2, system):
    lo, hi = sorted((u1, u2))
    a = finance.cost(system, 1_000, utilization=lo).usd_per_accelerator_hour
    b = finance.cost(system, 1_000, utilization=hi).usd_per_accelerator_hour
    assert b <= a * (1 + 1e-12)


@pytest.mark.parametrize("credit", [0.1, 0.3, 1.0])
def test_a_tax_credit_never_raises_the_npv_cost(minimal, credit):
    base = money_of(scenario_from_dict(minimal)).npv_usd
    minimal["finance"] = {"tax_credit": credit}
    with_credit = money_of(scenario_from_dict(minimal)).npv_usd
    assert with_credit > base


# ------------------------------------------------------------------------------ scenario


def default_cash():
    return money_of(gigaplan.load_scenario("fluidstack-2026"))


def test_cashflow_spends_every_block_and_pays_contracts():
    cf = default_cash()
    y = cf.yearly
    # every owned block's capex is spent once (no refresh inside 2025-2030)
    assert y["capex_usd"].sum() == pytest.approx(cf.blocks["total_usd"].sum(), rel=1e-9)
    # Google Cloud's $42B and Azure's $30B, each over 2026-01-01 .. 2030-12-31, all inside the
    # horizon (Rainier has no published price)
    assert y["contract_payments_usd"].sum() == pytest.approx(72e9, rel=1e-9)
    # the sites are leased: no facility capex, the TPUs are bought as the halls come online
    # (the first, Lake Mariner's 40 MW, in June 2026) and the leases paid from then
    assert y["capex_facility_usd"].sum() == 0 and y["lease_payments_usd"].sum() > 0
    assert y.loc[y["capex_usd"] > 0, "year"].min() == 2026
    # NPV = sum of net flows x (1.08)^-(year - 2026)
    npv = sum(row.net_cash_flow_usd / 1.08 ** (row.year - 2026) for row in y.itertuples())
    assert cf.npv_usd == pytest.approx(npv)
    assert cf.irr is None and cf.payback_year is None  # no revenue given


def test_energy_cost_in_the_cashflow_is_the_facility_models_energy():
    s = gigaplan.load_scenario("fluidstack-2026")
    cf = money_of(s)
    power = cf.run.facility
    t = power.table()
    mwh = t[t["date"].dt.year == 2028].groupby("name")["energy_mwh"].sum()
    row = cf.yearly.set_index("year").loc[2028]
    # EIA 2023 industrial prices: New York $68.7, Texas (ERCOT) $66.0, Oklahoma (SPP) $62.6,
    # Louisiana $58.8 per MWh
    assert row["energy_usd"] == pytest.approx(
        mwh["lake-mariner"] * 68.7 + mwh["barber-lake"] * 66.0 + mwh["abernathy"] * 62.6
        + mwh["river-bend"] * 58.8)


def test_revenue_gives_irr_and_payback(minimal):
    minimal["horizon"]["end"] = "2035-12"
    minimal["finance"] = {"revenue_usd_per_accelerator_hour": 4.0}
    cf = money_of(scenario_from_dict(minimal))
    y = cf.yearly
    assert y["revenue_usd"].sum() > 0 and y["tax_usd"].sum() > 0
    assert cf.irr is not None and cf.payback_year is not None
    # IRR: the net flows discounted at the IRR sum to zero (independent of numpy-financial)
    assert sum(f / (1 + cf.irr) ** k for k, f in enumerate(y["net_cash_flow_usd"])) == \
        pytest.approx(0.0, abs=1e-6 * y["capex_usd"].sum())
    first = y.loc[y["cumulative_usd"] >= 0, "year"].iloc[0]
    assert cf.payback_year == first


def test_refresh_buys_the_accelerators_again(minimal):
    minimal["horizon"]["end"] = "2032-12"
    once = money_of(scenario_from_dict(minimal)).yearly["capex_it_usd"].sum()
    minimal["finance"] = {"refresh": True}
    twice = money_of(scenario_from_dict(minimal)).yearly["capex_it_usd"].sum()
    assert twice == pytest.approx(2 * once)


def test_azure_contract_price_and_comparison():
    cf = default_cash()
    azure = next(c for c in cf.contracts if c["name"] == "azure")
    # 188,000 GB300; term 2026-01-01 to 2030-12-31 (end exclusive) = 1,825 days = 43,800 h;
    # $30B / (188,000 x 43,800) = $3.643 per GPU-hour
    assert azure["usd_per_accelerator_hour"] == pytest.approx(30e9 / (188_000 * 43_800), rel=1e-9)
    # no owned GB300 to compare with; Google Cloud's TPU v7 has the leased halls' TPU v7
    assert azure["owned_usd_per_accelerator_hour"] is None
    tpu = next(c for c in cf.contracts if c["name"] == "google-tpu")
    assert tpu["owned_usd_per_accelerator_hour"] > 0
    assert tpu["saving_of_owning"] == pytest.approx(
        1 - tpu["owned_usd_per_accelerator_hour"] / tpu["usd_per_accelerator_hour"])


# ------------------------------------------------------------------------------ bad input


def test_bad_money_input_is_rejected(minimal):
    with pytest.raises(GigaplanError, match="price = -5"):
        finance.cost("h100-sxm", 8, price_usd=-5)
    with pytest.raises(GigaplanError, match="utilization = 1.5"):
        finance.cost("h100-sxm", 8, utilization=1.5)
    with pytest.raises(GigaplanError, match="discount rate = -1"):
        finance.cost("h100-sxm", 8, discount_rate=-1)
    with pytest.raises(GigaplanError, match="life = 0"):
        finance.cost("h100-sxm", 8, accelerator_life_years=0)
    with pytest.raises(GigaplanError, match="has no catalog price"):
        finance.cost("tpu-v7", 8)
    with pytest.raises(GigaplanError, match="budget = 0"):
        finance.budget(0, "h100-sxm")
    with pytest.raises(GigaplanError, match=r"finance.network_share = 1.5: 1.5 is outside the "
                                            r"valid interval \[0, 1\]"):
        finance.params(network_share=1.5)
    for field, value, match in (("discount_rate", -1.5, r"finance\.discount_rate = -1.5"),
                                ("accelerator_life_years", 0, r"finance\.accelerator_life_years = 0"),
                                ("revenue_usd_per_accelerator_hour", -2,
                                 r"revenue_usd_per_accelerator_hour = -2")):
        bad = {**minimal, "finance": {field: value}}
        with pytest.raises(ScenarioError, match=match):
            scenario_from_dict(bad)


def test_phase_without_a_price_is_a_scenario_error(minimal):
    minimal["sites"][0]["phases"][0]["system"] = "vr200-nvl144"
    with pytest.raises(ScenarioError, match=r"phases\[0\]\.system = 'vr200-nvl144': has no "
                                            "catalog price"):
        scenario_from_dict(minimal)
    minimal["sites"][0]["phases"][0]["price_usd_per_accelerator"] = 70_000
    assert money_of(scenario_from_dict(minimal)).blocks["systems_usd"].iloc[0] > 0


def test_budget_spends_at_most_the_budget():
    r = finance.budget(50e9, "gb300-nvl72", distribution="hvdc")
    assert r.capex_usd <= 50e9 < r.capex_usd + r.usd_per_accelerator_all_in
    assert r.capex_usd == pytest.approx(r.capex_facility_usd + r.capex_it_usd)
    # ~$81k all-in per GB300 (48,611 x 1.15 + its facility share for 2,025 W of critical IT)
    # -> ~619k GPUs, ~1.25 GW of critical IT
    assert 590_000 < r.accelerators < 650_000
    assert r.it_nominal_mw == pytest.approx(r.accelerators * 2025e-6)


def test_parameters_have_sources_and_ranges():
    table = {p.short: p for p in parameter_catalog().values() if p.group == "finance"}
    for p in table.values():
        assert p.low <= p.value <= p.high and len(p.source) > 10, p.name
    shares = [table[k].value for k in ("shell_core_share", "electrical_share", "mechanical_share")]
    assert sum(shares) == pytest.approx(1.0)


# ------------------------------------------------------------------------------ present cost


def _pv_revenue_less_tax(f) -> np.ndarray:
    y = f.yearly
    return ((y["revenue_usd"] - y["tax_usd"]) * y["discount_factor"]).sum(axis=-1)


def _parts(f) -> np.ndarray:
    return f.sites["present_cost_usd"].sum(axis=-1) + f.contract_present_cost_usd.sum(axis=-1)


def test_site_and_contract_present_costs_add_up_to_the_npv(default_run):
    # the default scenario: four leased halls and three cloud contracts, no revenue; the NPV is
    # minus the sum of its parts' present costs
    f = default_run[0].finance
    assert np.allclose(f.npv_usd, _pv_revenue_less_tax(f) - _parts(f), rtol=1e-12)
    rows = default_run[0].summary.contracts
    # Google Cloud's $42B over 2026-2030 is worth less today than its nominal price
    assert 0 < max(c.present_cost_usd for c in rows) < 42e9


def test_present_costs_add_up_with_revenue_tax_credits_refresh_and_samples(minimal):
    # two owned sites and a leased one, refresh inside a 7-year horizon, revenue and tax,
    # incentives and an investment credit, three samples of the assumptions: revenue and tax
    # are the portfolio's; every other flow is one site's or one contract's
    minimal["horizon"] = {"start": "2026-01", "end": "2032-12"}
    minimal["finance"] = {"refresh": True, "tax_credit": 0.1,
                          "revenue_usd_per_accelerator_hour": 4.0}
    minimal["sites"][0]["incentives_usd"] = 2e8
    minimal["sites"].append({**minimal["sites"][0], "name": "s2", "region": "pjm",
                             "incentives_usd": 0.0,
                             "phases": [{"online": "2027-03", "system": "h100-sxm",
                                         "it_mw": 40}]})
    minimal["sites"].append({**minimal["sites"][0], "name": "s3", "ownership": "leased",
                             "lease_usd_per_kw_month": 150, "lease_term_years": 10,
                             "incentives_usd": 0.0})
    minimal["contracts"] = [{"name": "c1", "provider": "p", "system": "h100-sxm",
                             "accelerators": 2000, "start": "2026-06-01",
                             "end": "2028-06-01", "price_usd_per_accelerator_hour": 2.5}]
    s = scenario_from_dict(minimal)
    from gigaplan import pipeline
    a = Assumptions().with_samples({"finance.accelerator_price_decline_per_year":
                                    np.array([0.1, 0.2, 0.3])})
    f = pipeline.stages(s, pipeline.assumptions_for(s, base=a)).finance
    assert f.npv_usd.shape == (3,)
    assert np.allclose(f.npv_usd, _pv_revenue_less_tax(f) - _parts(f), rtol=1e-12)
    # each part is positive, and the contract's is its 2,000 x 2 years x $2.5/h, discounted
    assert (f.sites["present_cost_usd"] > 0).all()
    hours = (np.datetime64("2028-06-01") - np.datetime64("2026-06-01")).astype(int) * 24
    assert f.contract_present_cost_usd[0, 0] == pytest.approx(2000 * hours * 2.5, rel=0.12)
    assert f.contract_present_cost_usd[0, 0] < 2000 * hours * 2.5
    # capex (with the refresh in 2031), leases and payments by part add up to the columns
    for part, column in (("site_capex_usd", "capex_usd"),
                         ("site_lease_usd", "lease_payments_usd"),
                         ("contract_payments_usd", "contract_payments_usd")):
        assert np.allclose(f.yearly_by_part[part].sum(axis=1), f.yearly[column], rtol=1e-12)


def test_a_sites_present_cost_is_the_npv_of_that_site_alone(minimal):
    # an independent reading: without revenue, a site's present cost is minus the NPV of the
    # scenario holding that site alone
    minimal["sites"].append({**minimal["sites"][0], "name": "s2", "region": "nyiso",
                             "phases": [{"online": "2026-09", "system": "h100-sxm",
                                         "it_mw": 30}]})
    both = money_of(scenario_from_dict(minimal)).run.finance
    for i in range(2):
        alone = dict(minimal, sites=[minimal["sites"][i]])
        npv = money_of(scenario_from_dict(alone)).npv_usd
        assert both.sites["present_cost_usd"][0, i] == pytest.approx(-npv, rel=1e-12)


def test_capex_lease_and_contract_payments_by_part_add_up_to_the_yearly_columns(default_run):
    f = default_run[0].finance
    parts = f.yearly_by_part
    for part, column in (("site_capex_usd", "capex_usd"), ("site_lease_usd", "lease_payments_usd"),
                         ("contract_payments_usd", "contract_payments_usd")):
        assert np.allclose(parts[part].sum(axis=1), f.yearly[column], rtol=1e-12, atol=1e-3)
    # the four halls are leased: each pays rent; the TPUs are bought as they come online
    assert (parts["site_lease_usd"].sum(axis=2) > 0).all()
    assert (parts["site_capex_usd"].sum(axis=2) > 0).all()
