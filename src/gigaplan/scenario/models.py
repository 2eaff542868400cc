"""The scenario format: typed, validated pydantic models.

A scenario is strict (``extra="forbid"``: a misspelt key is an error) and frozen once loaded.
Quantities accept a number in the unit the field name says, or a string with a unit
(:mod:`gigaplan.units`). Dates accept ``YYYY-MM-DD`` or ``YYYY-MM`` (the first of the month).
Cross-field rules (date order, grid caps, either/or fields) live in
:mod:`gigaplan.scenario.consistency`, so every problem is reported at once with its path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      StrictBool, field_validator)
from pydantic_core import PydanticCustomError

from .. import catalog
from ..errors import closest
from ..units import KINDS, parse_quantity

__all__ = [
    "Climate",
    "Contract",
    "Correlation",
    "Finance",
    "Horizon",
    "Phase",
    "Provenance",
    "Scenario",
    "Site",
    "Uncertain",
    "Uncertainty",
    "Workload",
]


def _quantity(kind: str):
    """A float field that also accepts a string with a unit of ``kind``."""
    spec = KINDS[kind]

    def parse(value: object) -> object:
        if value is None:
            return None
        return parse_quantity(value, kind)

    return BeforeValidator(parse, json_schema_input_type=float | str), Field(
        json_schema_extra={"unit": spec.unit, "examples": [spec.example.split(" or ")[0].split(",")[0]]}
    )


#: Bounds that no single site, phase or contract may pass (a scenario that does is an input
#: error, not a plan): 100 GW of IT and 10^8 accelerators, dates between 1990 and 2100.
MAX_BLOCK_MW = 100_000.0
MAX_ACCELERATORS = 1e8
FIRST_DATE, LAST_DATE = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def _at_most(limit: float, what: str):
    def check(value):
        if value is not None and value > limit:
            raise PydanticCustomError("too_large", "{what}: at most {limit} (a single site, phase "
                                      "or contract beyond it is not a plan)",
                                      {"what": what, "limit": f"{limit:,.0f}"})
        return value

    return AfterValidator(check)


def _whole(value):
    if value is not None and float(value) != int(value):
        raise PydanticCustomError("whole", "expected a whole number of accelerators")
    return value


PowerMW = Annotated[float, *_quantity("power_mw")]
BlockMW = Annotated[float, *_quantity("power_mw"), _at_most(MAX_BLOCK_MW, "MW")]
Accelerators = Annotated[float, *_quantity("count"), AfterValidator(_whole),
                         _at_most(MAX_ACCELERATORS, "accelerators")]
Usd = Annotated[float, *_quantity("usd")]
UsdPerHour = Annotated[float, *_quantity("usd_per_hour")]
UsdPerMWh = Annotated[float, *_quantity("usd_per_mwh")]
UsdPerKwMonth = Annotated[float, *_quantity("usd_per_kw_month")]
Fraction = Annotated[float, *_quantity("fraction")]
Count = Annotated[float, *_quantity("count")]
Params = Annotated[float, *_quantity("parameters")]
Tokens = Annotated[float, *_quantity("tokens")]
Flop = Annotated[float, *_quantity("flop")]
Months = Annotated[float, *_quantity("months")]
Years = Annotated[float, *_quantity("years")]
Days = Annotated[float, *_quantity("days")]
EFlopPerS = Annotated[float, *_quantity("eflops")]
TonnesCO2 = Annotated[float, *_quantity("co2_t")]
WaterM3 = Annotated[float, *_quantity("water_m3")]

_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def _month_date(value: object) -> object:
    """Accept ``YYYY-MM`` as the first day of that month; leave the rest to pydantic."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and (m := _YEAR_MONTH.match(value)):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PydanticCustomError("date_month", "month must be 1-12")
        return dt.date(year, month, 1)
    return value


def _date_range(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise PydanticCustomError("date_range", "expected a date from {first} to {last}",
                                  {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()})
    return value


Date = Annotated[dt.date, BeforeValidator(_month_date, json_schema_input_type=dt.date | str),
                 AfterValidator(_date_range)]


def _catalog_name(what: str, names, listing: str):
    """A validator that accepts a catalog slug (case-insensitive) or names the closest ones."""

    def check(name: str) -> str:
        key = name.strip().lower()
        known = names()
        if key not in known:
            raise PydanticCustomError(
                f"unknown_{what.split()[-1]}",
                "unknown {what}; closest catalog names: {near} (see `gigaplan catalog {listing}`)",
                {"what": what, "near": ", ".join(closest(key, known)), "listing": listing},
            )
        return key

    return AfterValidator(check)


SystemName = Annotated[str, _catalog_name("system", catalog.accelerator_names, "accelerators"),
                       Field(description="Accelerator system slug from the catalog, e.g. gb200-nvl72.")]
RegionName = Annotated[str, _catalog_name("grid region", catalog.region_names, "regions"),
                       Field(description="Grid region slug from the catalog: ercot, nyiso, pjm, miso, spp, caiso.")]
Name = Annotated[str, Field(min_length=1, max_length=200, description="A short unique name.")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Horizon(_Model):
    """The planning window and its time step."""

    start: Date = Field(description="First day of the plan (YYYY-MM-DD or YYYY-MM).")
    end: Date = Field(description="Last day of the plan; after start.")
    step: Literal["month", "quarter"] = Field("month", description="Time step of the timelines.")


class Finance(_Model):
    """Money assumptions shared by every site and contract."""

    discount_rate: Fraction = Field(
        0.08, ge=0, lt=1,
        description="Real annual discount rate (0.08 or '8%'). Default 8% is an assumption: "
                    "a typical infrastructure cost of capital.",
    )
    accelerator_life_years: Years = Field(
        5, gt=0, le=15,
        description="Depreciation life of accelerators and servers [years]. Default 5 is an "
                    "assumption (hyperscalers depreciate servers over 5-6 years).",
    )
    facility_life_years: Years = Field(
        20, gt=0, le=60, description="Depreciation life of the facility [years].")
    tax_credit: Fraction = Field(
        0, ge=0, le=1,
        description="Investment tax credit as a share of eligible capex. No default credit: "
                    "give one only with a source.",
    )
    lead_time_months: Months = Field(
        18, ge=0, le=60,
        description="Months of facility construction spending before a phase comes online. "
                    "Default 18 is an assumption (Cushman & Wakefield 2025: switchgear lead "
                    "times 46-48 weeks, generators and chillers 30+ weeks).")
    refresh: StrictBool = Field(
        False, description="Buy the accelerators again at the end of their life (same price).")
    utilization: Fraction | None = Field(
        None, ge=0.01, le=1,
        description="Share of hours owned accelerators are used; default 0.85 (an assumption, "
                    "gigaplan catalog finance).")
    revenue_usd_per_accelerator_hour: UsdPerHour | None = Field(
        None, gt=0, le=1e4,
        description="Optional revenue per used accelerator-hour (owned and contracted), for "
                    "NPV, IRR and payback.")
    debt_share: Fraction = Field(
        0, ge=0, le=1,
        description="Share of each year's capex financed with debt (0-1); default 0: all "
                    "equity. Hyperion (Meta/Blue Owl, 2025) raised $27.3B of bonds of ~$30B.")
    interest_rate: Fraction = Field(
        0.0658, ge=0, lt=1,
        description="Annual interest rate on the debt. Default 6.58%: the yield at issue of the "
                    "Hyperion data-center bonds (Beignet Investor, October 2025, A+, due 2049).")
    debt_tenor_years: Years = Field(
        10, ge=1, le=40,
        description="Years over which each year's draw is repaid, from the next year (whole "
                    "years). Default 10 is an assumption between GPU-backed loans (~5 years) and "
                    "Hyperion's 24-year bonds.")
    repayment: Literal["level", "linear"] = Field(
        "level", description="'level': equal yearly payments (an annuity); 'linear': equal "
                             "principal instalments.")
    equity_return: Fraction | None = Field(
        None, ge=0, lt=1,
        description="Cost of equity, for the equity NPV and the WACC; default: discount_rate.")
    energy_escalator: Fraction = Field(
        0, ge=-0.1, le=0.2,
        description="Yearly change of every site's electricity price from the horizon's start "
                    "(0.02 or 2%), in the cash flow. Default 0 is an assumption: prices in "
                    "real terms, constant.")
    depreciation: Literal["straight_line", "macrs"] = Field(
        "straight_line",
        description="Tax depreciation: 'straight_line' over accelerator_life_years and "
                    "facility_life_years, or 'macrs' (IRS Publication 946: accelerators 5-year "
                    "half-year table, the facility 39-year mid-month straight line).")
    bonus_depreciation: Fraction = Field(
        0, ge=0, le=1,
        description="Share of the accelerators' cost deducted in the year placed in service "
                    "(the building does not qualify). Default 0; US law allows 100% for "
                    "property acquired after 2025-01-19 (Pub. L. 119-21, section 70301).")
    loss_carryforward: StrictBool = Field(
        True, description="Carry tax losses forward, offsetting up to 80% of a later year's "
                          "taxable income (26 U.S.C. 172).")
    residual_share: Fraction = Field(
        0, ge=0, le=1,
        description="Resale value of accelerators at the end of their life, as a share of "
                    "their cost (taxable when received). Default 0 is an assumption.")


class Phase(_Model):
    """A block of capacity that comes online at a site on a date.

    Give ``it_mw`` or ``accelerators``; the other is derived from the system's power per
    accelerator.
    """

    name: Name | None = None
    online: Date = Field(description="Date the phase starts coming online.")
    system: SystemName
    it_mw: BlockMW | None = Field(None, gt=0, description="IT load of the phase [MW].")
    accelerators: Accelerators | None = Field(None, gt=0,
                                              description="Accelerators in the phase.")
    ramp_months: Months = Field(
        3, ge=0, le=60,
        description="Months from first to full capacity (linear). Default 3 is an assumption.",
    )
    price_usd_per_accelerator: Usd | None = Field(
        None, gt=0, le=1e8,
        description="Price of one accelerator with its share of the system [USD]; default: "
                    "the catalog price (required when the catalog has none).")


class Climate(_Model):
    """Monthly mean climate of a site, overriding its region's climate station."""

    dry_bulb_c: list[float] = Field(
        min_length=12, max_length=12,
        description="12 monthly mean dry-bulb temperatures [°C], January first.")
    dew_point_c: list[float] = Field(
        min_length=12, max_length=12,
        description="12 monthly mean dew points [°C], January first; at most the dry bulb.")


class Site(_Model):
    """A datacenter site built in phases: owned (its facility capex in the cash flow) or leased
    (a lease per kW of critical IT instead; the tenant still buys the accelerators)."""

    name: Name
    region: RegionName
    cooling: Literal["air", "liquid", "hybrid"] = Field(description="Heat rejection design.")
    distribution: Literal["ac", "hvdc"] = Field(
        description="Power distribution: 'ac' (UPS + PDU + PSU) or 'hvdc' (800 V DC class).")
    grid_cap_mw: BlockMW = Field(gt=0, description="Grid interconnect capacity [MW].")
    price_usd_per_mwh: UsdPerMWh | None = Field(
        None, gt=0, le=1e5, description="Electricity price [USD/MWh]; default: the region's industrial price.")
    incentives_usd: Usd = Field(
        0, ge=0, le=1e12, description="State or local incentives received when the site first comes "
                             "online [USD]; give only with a source.")
    climate: Climate | None = Field(
        None, description="Monthly climate of the site; default: the region's climate station.")
    phases: list[Phase] = Field(min_length=1, description="Phases in date order.")
    ownership: Literal["owned", "leased"] = Field(
        "owned", description="'owned': the facility is built with the site's capex; 'leased': "
                             "a landlord builds it and the site pays a lease per kW of critical "
                             "IT (give lease_usd_per_kw_month and lease_term_years).")
    lease_usd_per_kw_month: UsdPerKwMonth | None = Field(
        None, gt=0, le=2000, description="Lease price in the first year of each phase, per kW "
                                         "of the phase's critical IT per month [USD/kW-month].")
    lease_term_years: Years | None = Field(
        None, gt=0, le=50, description="Lease term from each phase's online date [years].")
    lease_escalator: Fraction = Field(
        0, ge=0, le=0.2, description="Annual increase of the lease price (0.03 or 3%); "
                                     "default none.")


class Tranche(_Model):
    """A dated step of a contract's capacity: it adds ``accelerators`` or ``it_mw`` from
    ``start`` to the contract's end."""

    start: Date = Field(description="First day of the tranche; within the contract's term.")
    it_mw: BlockMW | None = Field(None, gt=0, description="IT load added [MW].")
    accelerators: Accelerators | None = Field(None, gt=0, description="Accelerators added.")


class Contract(_Model):
    """Cloud or colocation capacity bought from a provider.

    Give ``accelerators`` or ``it_mw`` (or the capacity in dated ``tranches``); give the price
    as ``price_usd_per_accelerator_hour`` or as ``total_value_usd`` (or neither if unknown).
    """

    name: Name
    provider: str = Field(min_length=1, description="Who sells the capacity.")
    kind: Literal["cloud", "colocation"] = "cloud"
    system: SystemName
    accelerators: Accelerators | None = Field(None, gt=0, description="Accelerators contracted.")
    it_mw: BlockMW | None = Field(None, gt=0, description="IT load contracted [MW].")
    start: Date
    end: Date
    price_usd_per_accelerator_hour: UsdPerHour | None = Field(
        None, gt=0, le=1e4, description="Price per accelerator-hour [USD/h].")
    total_value_usd: Usd | None = Field(None, gt=0, le=1e13,
                                        description="Total contract value [USD].")
    tranches: list[Tranche] = Field(
        default_factory=list,
        description="Capacity in dated steps, instead of accelerators or it_mw: each adds its "
                    "capacity from its start to the contract's end.")
    price_escalator: Fraction = Field(
        0, ge=-0.5, le=0.5,
        description="Yearly change of the price per accelerator-hour from the contract's "
                    "start (0.03 or 3%; negative for a price that falls).")
    take_or_pay: StrictBool = Field(
        True, description="Pay for every contracted hour (true) or only for the hours used "
                          "(false: the scenario's utilisation).")
    committed_usd: Usd | None = Field(
        None, gt=0, le=1e13,
        description="Least the buyer pays over the term whatever it uses [USD]; a shortfall "
                    "is paid in the term's last month.")
    option_it_mw: BlockMW | None = Field(
        None, gt=0, description="Capacity the buyer may add beyond the contracted [MW]: "
                                "reported, not in the fleet (model an exercised option as a "
                                "tranche).")


class Workload(_Model):
    """A training run the fleet must serve.

    Give ``flops``, or ``params`` and ``tokens`` (dense compute 6·N·D; with ``active_params``
    for a mixture-of-experts model).
    """

    name: Name
    flops: Flop | None = Field(None, ge=1e15, le=1e32,
                               description="Total training compute [FLOP], 1e15 to 1e32.")
    params: Params | None = Field(None, ge=1e6, le=1e15, description="Model parameters N.")
    active_params: Params | None = Field(
        None, ge=1e6, le=1e15, description="Parameters active per token (mixture-of-experts).")
    tokens: Tokens | None = Field(None, ge=1e6, le=1e17, description="Training tokens D.")
    precision: Literal["bf16", "fp8"] = "bf16"
    system: SystemName | None = Field(None, description="Restrict the run to one system type.")
    earliest_start: Date | None = None
    deadline: Date = Field(description="Date the run must finish by.")
    max_days: Days | None = Field(
        None, gt=0, le=3650, description="Longest acceptable run [days]: the planner looks for the first "
                                "start when the fleet can do it this fast.")
    mfu: Fraction | None = Field(
        None, gt=0, le=1, description="Model FLOPs utilisation; default: the catalog's for the "
                                      "system and precision.")
    goodput: Fraction | None = Field(
        None, gt=0, le=1, description="Share of wall-clock time that moves the model forward; "
                                      "default: the reliability model's for the run's size.")
    multi_site: StrictBool = Field(
        False, description="Let the run span every site and contract of one system type "
                           "(default: one site or one contract).")
    use: list[Name] | None = Field(
        None, min_length=1,
        description="Names of the sites and contracts the run may use (default: any; an empty "
                    "list would allow none).")
    max_accelerators: Accelerators | None = Field(
        None, gt=0, description="Most accelerators the run may take (default: every free one "
                                "of its pool).")
    recovery: Literal["storage", "async", "memory", "elastic"] = Field(
        "memory", description="How the run checkpoints and recovers (gigaplan reliability "
                              "--recovery): 'memory' (state replicated in peers' memory, the "
                              "2024-25 practice; default), 'elastic' (continue without a "
                              "failed unit), 'async' or 'storage' (blocking checkpoints to "
                              "storage, as Llama 3 in 2024).")


class Serving(_Model):
    """A model the fleet serves: its demand grows from a start, it takes capacity at its
    daily peak before any training run is placed, and its tokens earn their list prices."""

    name: Name
    params: Params = Field(ge=1e6, le=1e15, description="Model parameters N.")
    active_params: Params | None = Field(
        None, ge=1e6, le=1e15, description="Active parameters per token (mixture-of-experts).")
    precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    tokens_per_day: Tokens = Field(gt=0, le=1e17,
                                   description="Demand at the start: tokens a day, prompt and "
                                               "generated.")
    growth_per_year: Fraction = Field(
        0, ge=-0.9, le=20, description="Yearly growth of the demand (1.0 or '100%': doubling).")
    start: Date | None = Field(None, description="First day served (default: horizon.start).")
    input_tokens: Tokens = Field(2000, gt=0, le=1e7, description="Prompt tokens per request.")
    output_tokens: Tokens = Field(500, gt=0, le=1e7,
                                  description="Generated tokens per request.")
    latency_tokens_per_s: float = Field(
        0, ge=0, le=1e4, description="Least tokens/s each user sees (0: no target).")
    price_usd_per_million_input: Usd | None = Field(
        None, ge=0, le=1e4, description="List price per million prompt tokens [USD].")
    price_usd_per_million_output: Usd | None = Field(
        None, ge=0, le=1e4, description="List price per million generated tokens [USD].")
    system: SystemName | None = Field(None, description="Serve only on this system.")
    use: list[Name] | None = Field(
        None, min_length=1, description="Sites and contracts it may use, in the order they "
                                        "fill (default: every pool, in the scenario's order).")
    share_trough: StrictBool = Field(
        False, description="Let training use what serving leaves below its daily peak: hold "
                           "the daily average of a sinusoidal day instead of the peak (the "
                           "training runs on its pools must be elastic, giving accelerators "
                           "back at the peak hours).")


class Variant(_Model):
    """Another reading of the scenario: field paths set (``set``) or removed (``unset``), run as
    ``SCENARIO:NAME``. Its values are marked with ``source`` when it gives one, else as
    assumptions with ``description`` as the reason."""

    name: Name
    description: str = Field(min_length=1, description="What this reading assumes, and why.")
    source: str | None = Field(None, description="Where its values come from, if public.")
    set: dict[str, Any] = Field(default_factory=dict,
                                description="Field path -> value, e.g. contracts[0].it_mw.")
    unset: list[str] = Field(default_factory=list,
                             description="Field paths to remove (e.g. contracts[0].it_mw, to "
                                         "give accelerators instead).")


Distribution = Literal["pert", "triangular", "uniform"]


class Correlation(_Model):
    """A rank correlation between two uncertain inputs (parameter names or scenario paths)."""

    a: str = Field(min_length=1, description="A parameter name or an [[uncertain]] path.")
    b: str = Field(min_length=1, description="Another one.")
    rho: float = Field(ge=-0.99, le=0.99, description="Spearman rank correlation.")


class Uncertainty(_Model):
    """How ``gigaplan run`` samples the uncertain inputs (``--samples`` etc. override it)."""

    samples: int = Field(0, ge=0, le=10_000_000, description=(
        "Monte Carlo samples of a run (0: none; the central run only)."))
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of the sampling.")
    method: Literal["lhs", "sobol", "random"] = Field(
        "lhs", description="Latin hypercube, scrambled Sobol' or plain random sampling.")
    distribution: Distribution = Field(
        "pert", description="Distribution of every parameter's low-value-high range.")
    sensitivity_samples: int = Field(0, ge=0, le=1 << 20, description=(
        "Sobol base samples N for the report's 'What moves the answer' (0: none)."))
    correlations: list[Correlation] = Field(default_factory=list)

    @field_validator("samples", "sensitivity_samples")
    @classmethod
    def _none_or_two(cls, value: int) -> int:
        if value == 1:
            raise PydanticCustomError("samples", "expected 0 (none) or at least 2 (one sample "
                                                 "gives no range)")
        return value


class Uncertain(_Model):
    """A scenario value known only within a range: ``path`` (``sites[0].phases[1].online``),
    ``low`` and ``high`` in the field's own units, the most likely ``value`` (default: the
    scenario's) and a ``distribution`` (default: the run's)."""

    path: str = Field(min_length=1, max_length=200)
    low: Any
    high: Any
    value: Any = None
    distribution: Distribution | None = None


class Provenance(_Model):
    """Where a scenario value comes from: a source, or an assumption with its reason."""

    kind: Literal["source", "assumption"]
    text: str


class Scenario(_Model):
    """A whole scenario: horizon, finance, owned sites, contracts and workloads."""

    name: Name
    description: str = ""
    horizon: Horizon
    finance: Finance = Field(default_factory=Finance)
    sites: list[Site] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)
    workloads: list[Workload] = Field(default_factory=list)
    serving: list[Serving] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Model parameters set for this scenario: name -> value (a number or a "
                    "string with the parameter's unit), or {low, high} (optionally with value) "
                    "for a range; names and units: `gigaplan catalog parameters`. Mark each "
                    "with '# source: ...' or '# assumption: ...'.")
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    uncertain: list[Uncertain] = Field(default_factory=list, max_length=256)
    assumptions: dict[str, str] = Field(
        default_factory=dict,
        description="Field path -> reason, for values not from a public source "
                    "(TOML files may instead end a line with '# assumption: reason').",
    )

    _provenance: dict[str, Provenance] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr("<dict>")
    _bounds: dict[str, tuple] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        """Where the scenario was read from (a path, or the built-in name)."""
        return self._source

    @property
    def provenance(self) -> dict[str, Provenance]:
        """Field path -> :class:`Provenance`, from ``# source:`` / ``# assumption:`` comments
        and the ``assumptions`` table."""
        return dict(self._provenance)

    @property
    def uncertain_bounds(self) -> dict[str, tuple]:
        """``[[uncertain]]`` path -> (low, high, most likely) as the field holds them (units
        converted, dates parsed; the most likely value defaults to the scenario's), read once
        when the scenario was loaded."""
        return dict(self._bounds)

    def assumption_paths(self) -> list[str]:
        """Paths of every value marked as an assumption."""
        return [p for p, v in self._provenance.items() if v.kind == "assumption"]
