"""What a run produces: the stage results (:class:`RunResult`), its headline over samples
(:class:`Headline`) and the typed contents of ``summary.json`` (:class:`Results`, whose JSON
Schema ``gigaplan schema --results`` prints).

The terminal summary, the report and the claims read a run through these classes by attribute.
No engine imports this module; :mod:`gigaplan.pipeline` builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from .assumptions import Assumptions

__all__ = [
    "BlockRow", "ContractSummary", "FacilityYear", "FinanceBlock", "FinanceSummary",
    "Headline", "HeadlineRun", "HeadlineSummary", "InstalledYear", "ReliabilityRow",
    "ReliabilitySummary", "Results", "RunResult", "SiteSummary", "WorkloadRow",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Num = float | None


class HorizonSummary(_Out):
    start: str
    end: str
    step: str


class Totals(_Out):
    """Fleet totals at full build (IT MW, accelerators) and over the horizon (energy, water,
    CO2 of the owned sites; facility peak: the largest coincident monthly design-hour peak)."""

    owned_it_mw: float
    contracted_it_mw: float
    owned_accelerators: float
    contracted_accelerators: float
    owned_facility_peak_mw: float
    owned_energy_mwh: float
    owned_it_energy_mwh: float
    owned_water_m3: float
    owned_co2_t: float


class HeadlineRun(_Out):
    name: str
    flops: float
    status: str
    pool: str | None
    accelerators: Num
    start: str | None
    finish: str | None
    days: Num
    goodput: Num
    deadline: str


class HeadlineSummary(_Out):
    """The headline in the units a reader expects (GW, EFLOP/s, $B); ``runs`` lists the first
    :data:`HEADLINE_RUNS` workloads of ``runs_total`` (all are in ``workloads``)."""

    owned_it_gw: float
    contracted_it_gw: float
    owned_facility_peak_gw: float
    owned_accelerators: float
    contracted_accelerators: float
    accelerators_by_system: dict[str, float]
    peak_bf16_eflops: float
    peak_fp8_eflops: float
    effective_bf16_eflops: float
    owned_capex_usd_b: float
    contract_payments_usd_b: float
    npv_usd_b: float
    usd_per_accelerator_hour: dict[str, Num]
    failures_per_day: float
    runs: list[HeadlineRun]
    runs_total: int


class FacilityBasis(_Out):
    density: str
    it_power: str
    households: str
    pue: str
    reference_year: str


class SiteSummary(_Out):
    name: str
    region: str
    cooling: str
    distribution: str
    grid_cap_mw: float
    phases: int
    accelerators: float
    it_mw: float
    racks: float
    rack_kw: float
    density_ratio: float
    density_ratio_range: list[float]
    whitespace_m2: float
    facility_peak_mw: float
    pue: Num
    reference_year: int
    annual_mwh: float
    water_m3: float
    wue_l_per_kwh: Num
    co2_t: float
    households: float
    people: float
    capex_usd: float
    capex_facility_usd: float
    capex_it_usd: float
    ownership: str
    landlord_capex_usd: float
    lease_usd_per_year: float
    opex_usd_per_year: float
    usd_per_accelerator_hour: Num
    own_usd_per_accelerator_hour: Num
    lease_low_usd_per_accelerator_hour: Num
    lease_high_usd_per_accelerator_hour: Num
    rent_low_usd_per_accelerator_hour: Num
    rent_high_usd_per_accelerator_hour: Num
    rent_coverage: Num
    #: the site's present cost: capex less credits, incentives and residual value, opex,
    #: energy and lease payments, discounted as the NPV (before revenue and tax)
    present_cost_usd: float


class ContractSummary(_Out):
    name: str
    provider: str
    system: str
    start: str
    end: str
    accelerators: float
    it_mw: float
    price_usd_per_accelerator_hour: Num
    total_value_usd: Num
    committed_usd: Num
    option_it_mw: Num
    tranches: int
    usd_per_accelerator_hour: Num
    usd_per_accelerator_hour_basis: str
    owned_usd_per_accelerator_hour: Num
    saving_of_owning: Num
    market_low_usd_per_hour: Num
    market_high_usd_per_hour: Num
    market_source: str | None
    market_level: Num
    price_vs_market: str | None
    accelerators_at_market: list[float] | None
    saving_at_market: list[float] | None
    #: the contract's payments within the horizon, discounted as the NPV
    present_cost_usd: float


class BlockRow(_Out):
    kind: str
    owner: str
    index: int
    block: str
    system: str
    start: str
    end: str | None
    ramp_months: float
    accelerators: float
    it_mw: float
    given: str
    racks: float
    bf16_peak_flops: float
    fp8_peak_flops: Num


class InstalledYear(_Out):
    year: int
    accelerators: float
    it_mw: float
    bf16_peak_flops: float
    fp8_peak_flops: Num


class FacilityYear(_Out):
    name: str
    year: int
    region: str
    it_energy_mwh: float
    energy_mwh: float
    water_m3: float
    co2_t: float
    facility_peak_mw: float
    it_mw_end: float
    pue: Num
    wue_l_per_kwh: Num
    households: float
    people: float


class FinanceBlock(_Out):
    site: str
    block: str
    system: str
    ownership: str
    accelerators: float
    it_mw: float
    price_usd_per_accelerator: float
    shell_core_usd: float
    electrical_usd: float
    mechanical_usd: float
    soft_usd: float
    land_usd: float
    systems_usd: float
    network_usd: float
    storage_usd: float
    facility_usd: float
    it_usd: float
    total_usd: float
    landlord_capex_usd: float
    lease_usd_per_year: float
    opex_usd_per_year: float
    energy_usd_per_year: float
    annual_cost_usd: float
    usd_per_accelerator_hour: float
    usd_per_1e24_flop: Num
    goodput: Num
    goodput_basis: str


class FinanceSummary(_Out):
    npv_usd: float
    irr: Num
    payback_year: int | None
    discount_rate: float
    base_year: int
    owned_capex_usd: float
    owned_capex_facility_usd: float
    owned_capex_it_usd: float
    capex_in_horizon_usd: float
    contract_payments_usd: float
    lease_payments_usd: float
    lease_commitment_usd: float
    revenue_usd: float
    debt_usd: float
    wacc: float
    equity_return: float
    equity_npv_usd: float
    equity_irr: Num
    min_dscr: Num
    opex_usd: float
    blocks: list[FinanceBlock]
    basis: str


class WorkloadRow(_Out):
    name: str
    status: str
    flops: float
    params: Num
    active_params: Num
    tokens: Num
    precision: str
    deadline: str
    pool: str | None
    pool_kind: str | None
    system: str | None
    accelerators: Num
    start: str | None
    finish: str | None
    days: Num
    slack_days: Num
    first_start_on_time: str | None
    mfu: Num
    goodput: Num
    recovery: str | None = None
    effective_flops_per_s: Num
    accelerator_hours: Num
    it_mw: Num
    pue: Num
    facility_mw: Num
    energy_mwh: Num
    fits_memory: bool | None
    tensor_parallel: int | None
    pipeline_parallel: int | None
    data_parallel: int | None
    memory_per_accelerator_gb: Num
    note: str | None


class ReliabilityRow(_Out):
    kind: str
    owner: str
    system: str
    accelerators: float
    failures_per_day: float
    planned_per_day: float
    job_mtbf_hours: Num
    unit_accelerators: float
    units: float
    unit_availability: float
    spare_units: float
    spare_share: float


class ReliabilitySummary(_Out):
    failures_per_day: float
    planned_per_day: float
    spare_units: float
    by_owner: list[ReliabilityRow]
    basis: str


class ProvenanceSummary(_Out):
    assumptions: list[str]
    sourced: list[str]


class ParameterSet(_Out):
    """A model parameter the run set away from its default (scenario ``[parameters]`` or
    ``--set``)."""

    name: str
    value: float
    default: float
    unit: str
    low: Num
    high: Num
    origin: str


class RangeSummary(_Out):
    """A figure's central value (the run without samples) and its spread over the samples;
    dates (``runs.<name>.finish``) as ISO strings. ``n``: samples where it is defined."""

    unit: str
    value: float | str | None
    p10: float | str | None
    p50: float | str | None
    p90: float | str | None
    mean: float | str | None
    n: int


class InputSummary(_Out):
    """An uncertain input: a parameter or an [[uncertain]] scenario path, its range and
    distribution (dates as ISO strings)."""

    name: str
    target: str
    kind: str
    low: float | str
    value: float | str
    high: float | str
    distribution: str
    unit: str
    source: str


class SensitivityRow(_Out):
    output: str
    input: str
    rank: int
    S1: Num = None
    S1_conf: Num = None
    ST: Num = None
    ST_conf: Num = None
    mu_star: Num = None
    mu_star_conf: Num = None
    mu: Num = None
    sigma: Num = None


class SensitivitySummary(_Out):
    method: str
    n: int
    rows: int
    seed: int
    indices: list[SensitivityRow]
    skipped: dict[str, str]


class UncertaintySummary(_Out):
    """How the run was sampled and the P10/P50/P90 of every figure (``ranges``)."""

    samples: int
    seed: int
    method: str
    chunk: int
    inputs: list[InputSummary]
    ranges: dict[str, RangeSummary]
    sensitivity: SensitivitySummary | None
    basis: str


class ServingSummary(_Out):
    name: str
    systems: list[str]
    tokens_per_s_per_accelerator: Num
    limit: str | None
    demand_tokens: float
    served_tokens: float
    served_share: Num
    first_short: str | None
    peak_accelerators: float
    revenue_usd: float
    cost_usd: Num
    usd_per_million_tokens: Num
    gross_margin: Num
    note: str


class Results(_Out):
    """Everything ``summary.json`` holds (one run, no samples)."""

    gigaplan_version: str
    scenario: str
    description: str
    source: str
    horizon: HorizonSummary
    totals: Totals
    headline: HeadlineSummary
    facility_basis: FacilityBasis
    sites: list[SiteSummary]
    contracts: list[ContractSummary]
    blocks: list[BlockRow]
    installed_by_year: list[InstalledYear]
    facility_by_year: list[FacilityYear]
    finance: FinanceSummary
    warnings: list[str]
    workloads: list[WorkloadRow]
    serving: list[ServingSummary]
    reliability: ReliabilitySummary
    provenance: ProvenanceSummary
    parameters: list[ParameterSet]
    uncertainty: UncertaintySummary | None

    def to_json(self) -> str:
        """The ``summary.json`` text."""
        return self.model_dump_json(indent=2) + "\n"


#: Runs the headline lists (the rest are in ``workloads``).
HEADLINE_RUNS = 20


@dataclass(frozen=True)
class Headline:
    """The headline figures of a run; every number is an array over samples (S,) when the
    run's assumptions were sampled, else a float. ``runs``: one dict per workload (deadline
    order as in the scenario) with ``status``, ``pool``, ``accelerators``, ``start``,
    ``finish`` (datetime64), ``days`` and ``goodput``."""

    owned_it_gw: Any
    contracted_it_gw: Any
    owned_facility_peak_gw: Any
    owned_accelerators: Any
    contracted_accelerators: Any
    accelerators_by_system: dict
    peak_bf16_eflops: Any
    peak_fp8_eflops: Any
    effective_bf16_eflops: Any
    owned_capex_usd_b: Any
    contract_payments_usd_b: Any
    npv_usd_b: Any
    usd_per_accelerator_hour: dict
    failures_per_day: Any
    runs: list = field(default_factory=list)


@dataclass
class RunResult:
    """Everything one run produced: the scenario, the assumptions, each stage's typed result,
    the headline, the summary (:class:`Results`; None for a sampled run) and the files."""

    scenario: Any
    assumptions: Assumptions
    fleet: Any
    facility: Any
    training: Any
    reliability: Any
    finance: Any
    headline: Headline
    summary: Results | None = None
    sweeps: Any = None
    files: list[Path] = field(default_factory=list)
    #: Monte Carlo samples (:class:`gigaplan.montecarlo.MonteCarlo`), Sobol' indices
    #: (:class:`gigaplan.montecarlo.Sensitivity`) and the inputs' swings (a DataFrame), when
    #: the run drew samples.
    montecarlo: Any = None
    sensitivity: Any = None
    swings: Any = None
    #: The portfolio view (:class:`gigaplan.portfolio.Portfolio`) when a report is written.
    portfolio: Any = None
    #: The serving stage (:class:`gigaplan.serving.ServingResult`).
    serving: Any = None

    @property
    def sampled(self) -> bool:
        return self.assumptions.sampled

    # tables of the run (sample 0), each built once
    @cached_property
    def fleet_table(self) -> pd.DataFrame:
        return self.facility.table()

    @cached_property
    def facility_by_year(self) -> pd.DataFrame:
        return self.facility.yearly()

    @cached_property
    def workloads(self) -> pd.DataFrame:
        return self.training.table()

    @cached_property
    def reliability_table(self) -> pd.DataFrame:
        return self.reliability.failures.frame()

    @cached_property
    def cashflow(self) -> pd.DataFrame:
        return self.finance.yearly_frame()

    @cached_property
    def capex_blocks(self) -> pd.DataFrame:
        return self.finance.blocks_frame()

    @property
    def blocks(self) -> pd.DataFrame:
        return self.fleet.blocks


def squeeze(x, sampled: bool):
    """An array over samples as is when ``sampled``, else its one value as a float."""
    if sampled:
        return np.asarray(x, dtype=float)
    return float(np.asarray(x, dtype=float).reshape(-1)[0])
