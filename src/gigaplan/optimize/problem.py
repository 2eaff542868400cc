"""The problem file of ``gigaplan optimize``: what may be built, leased or rented, and what the
plan must deliver. TOML (or a dict), validated once at the edge like a scenario: every
problem at its field path, exit 2.

A problem names a horizon cut into periods (months or quarters), the effective compute it
needs (``[[demand]]`` steps of effective BF16 EFLOP/s and ``[[workloads]]`` with deadlines),
candidate ``[[sites]]`` (region, grid interconnect, earliest energisation, build lead time,
step size, whether it may be built or leased), candidate ``[[systems]]`` (availability,
price, yearly supply), candidate ``[[contracts]]`` (price per accelerator-hour, minimum size
and term, maximum), and ``[limits]`` (capex per year, total budget, largest share of one site
or provider, N-1, carbon).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError,
                      field_validator, model_validator)

from .. import catalog
from ..datafiles import data_file
from ..errors import Problem, ScenarioError
from ..scenario.loader import read_toml, validation_problems
from ..scenario.models import (Count, Date, EFlopPerS, Flop, Fraction, Params, PowerMW,
                               Provenance, Tokens, TonnesCO2, Usd, UsdPerHour, UsdPerKwMonth,
                               WaterM3, Years)

__all__ = ["ContractOption", "Demand", "Limits", "OptimizeProblem", "ServingDemand",
           "SiteOption", "SystemOption", "design_choices", "fixed_choices", "lease_choices",
           "load_problem", "problem_names"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Horizon(_Model):
    start: Date
    end: Date
    period: Literal["month", "quarter"] = "quarter"

    @model_validator(mode="after")
    def _order(self):
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class Demand(_Model):
    """Effective BF16 compute needed from ``start`` on (a step: until the next entry)."""

    start: Date
    eflops: EFlopPerS = Field(ge=0, le=1e7, description="Effective BF16 EFLOP/s needed.")


class Workload(_Model):
    """A run with a deadline: its FLOP must fit in the capacity-time before the deadline."""

    name: str = Field(min_length=1, max_length=80)
    flops: Flop = Field(gt=0, le=1e32)
    deadline: Date


class ServingDemand(_Model):
    """A model to serve, as a scenario's ``[[serving]]``: its demand (tokens a day, prompt and
    generated) from ``start``, growing by ``growth_per_year``; the programme holds the
    accelerators its daily peak needs (``serving.peak_to_mean`` x the mean, at the serving
    model's tokens/s per accelerator on each system) before any training."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    params: Params = Field(ge=1e6, le=1e15, description="Model parameters N.")
    active_params: Params | None = Field(None, ge=1e6, le=1e15,
                                         description="Active parameters per token (MoE).")
    precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    tokens_per_day: Tokens = Field(gt=0, le=1e17, description="Demand at the start.")
    growth_per_year: Fraction = Field(0, ge=-0.9, le=20)
    start: Date | None = Field(None, description="First day served (default: the horizon's).")
    input_tokens: Tokens = Field(2000, gt=0, le=1e7)
    output_tokens: Tokens = Field(500, gt=0, le=1e7)
    latency_tokens_per_s: float = Field(0, ge=0, le=1e4)
    system: str | None = Field(None, description="Serve only on this system.")


class SiteOption(_Model):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    region: str
    max_grid_mw: PowerMW = Field(gt=0, le=1e5, description="Largest grid interconnect [MW].")
    earliest: Date = Field(description="Earliest energisation date.")
    lead_months: int = Field(0, ge=0, le=120, description="Build lead time from the horizon's "
                             "start [months].")
    step_mw: PowerMW = Field(gt=0, le=1e4, description="Critical IT per build step [MW].")
    max_steps: int = Field(ge=1, le=1000)
    cooling: list[Literal["air", "liquid", "hybrid"]] = Field(
        default_factory=lambda: ["liquid"], min_length=1,
        description="The site's cooling, or the choices the programme picks one of.")
    distribution: list[Literal["ac", "hvdc"]] = Field(
        default_factory=lambda: ["ac"], min_length=1,
        description="The site's power distribution, or the choices it picks one of.")
    options: list[Literal["build", "lease"]] = Field(default_factory=lambda: ["build"],
                                                     min_length=1)
    lease_usd_per_kw_month: UsdPerKwMonth | None = Field(None, gt=0, le=10_000)
    lease_term_years: Years = Field(10, gt=0, le=50)

    @field_validator("cooling", "distribution", "options", mode="before")
    @classmethod
    def _one_or_more(cls, value):
        """One choice or a list of them, each once."""
        return [value] if isinstance(value, str) else (
            list(dict.fromkeys(value)) if isinstance(value, list) else value)

    @model_validator(mode="after")
    def _lease(self):
        if "lease" in self.options and self.lease_usd_per_kw_month is None:
            raise ValueError("a site that may be leased needs lease_usd_per_kw_month")
        return self

    def designs(self) -> list[tuple[str, str]]:
        """The (cooling, distribution) pairs the site may be built with."""
        return [(c, d) for c in self.cooling for d in self.distribution]


class SystemOption(_Model):
    name: str
    available: Date
    price_usd_per_accelerator: Usd | None = Field(None, gt=0, le=1e8)
    max_per_year: Count | None = Field(None, gt=0, le=1e9,
                                       description="Accelerators installed per calendar year.")


class ContractOption(_Model):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    provider: str = Field(min_length=1, max_length=80)
    system: str
    price_usd_per_accelerator_hour: UsdPerHour = Field(gt=0, le=1000)
    available: Date
    max_accelerators: Count = Field(gt=0, le=1e8)
    min_accelerators: Count = Field(0, ge=0, le=1e8)
    min_term_months: int = Field(0, ge=0, le=240)


class Limits(_Model):
    capex_usd_per_year: Usd | None = Field(None, gt=0)
    budget_usd: Usd | None = Field(None, gt=0, description="Capex, leases and contracts "
                                   "over the horizon, undiscounted [USD].")
    max_site_share: Fraction | None = Field(None, gt=0, le=1)
    max_provider_share: Fraction | None = Field(None, gt=0, le=1)
    n_minus_1: Fraction | None = Field(None, ge=0, le=1, description="Losing the largest site "
                                       "or provider still leaves this share of the demand.")
    co2_t: TonnesCO2 | None = Field(None, gt=0, description="Grid CO2 over the horizon [t].")
    water_m3: WaterM3 | None = Field(None, gt=0, description="Water the sites consume over "
                                     "the horizon (the facility model's cooling water) [m3].")


class Uncertainty(_Model):
    """Samples for the two-stage programme (:func:`gigaplan.optimize.stochastic.solve_two_stage`):
    builds are decided once, rents per sample."""

    samples: int = Field(0, ge=0, le=500, description="Monte Carlo samples (0: none).")
    seed: int = Field(0, ge=0)
    demand_low: float = Field(0.8, gt=0, le=1, description="Lowest demand multiplier.")
    demand_high: float = Field(1.3, ge=1, le=10, description="Highest demand multiplier.")
    delay_months_high: int = Field(6, ge=0, le=60, description="Largest delay of a site's "
                                   "energisation, drawn per site and sample [months].")
    cvar_alpha: float = Field(0.9, gt=0, lt=1)
    risk_weight: float = Field(0.0, ge=0, le=1, description="0: expected cost; 1: CVaR.")
    unserved_usd_per_eflops_hour: float = Field(
        5e4, gt=0, description="Penalty per EFLOP/s-hour of demand not met in a sample [USD] "
        "(default, an assumption: about ten times the dearest rent of 2025-26, GB200 at "
        "$4.54/h, which is about $4,800 per effective EFLOP/s-hour).")
    unserved_usd_per_million_tokens: float = Field(
        50, gt=0, description="Penalty per million tokens of a served model's demand not met in "
        "a sample [USD] (default, an assumption: about ten times the list price of a "
        "Sonnet-class request of 2,000 prompt and 500 generated tokens, $5.40 per million at "
        "$3 and $15 per million, docs.anthropic.com/en/docs/about-claude/pricing, 2025).")


class OptimizeProblem(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    objective: Literal["min_cost", "max_compute"] = Field(
        "min_cost", description="'min_cost': the least net present cost that meets the demand "
        "and deadlines; 'max_compute': the most effective compute (EFLOP/s-years over the "
        "horizon) within the budget or capex limits.")
    horizon: Horizon
    discount_rate: Fraction = Field(0.08, ge=0, le=0.5)
    accelerator_life_years: Years = Field(5, gt=0, le=30)
    facility_life_years: Years = Field(20, gt=0, le=60)
    demand: list[Demand] = Field(default_factory=list)
    workloads: list[Workload] = Field(default_factory=list)
    serving: list[ServingDemand] = Field(default_factory=list)
    sites: list[SiteOption] = Field(default_factory=list)
    systems: list[SystemOption] = Field(min_length=1)
    contracts: list[ContractOption] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)

    _provenance: dict[str, Provenance] = PrivateAttr(default_factory=dict)

    @property
    def provenance(self) -> dict[str, Provenance]:
        """Field path -> :class:`~gigaplan.scenario.Provenance` of the problem file's
        ``# source:`` / ``# assumption:`` end-of-line marks."""
        return dict(self._provenance)

    def unmarked(self) -> list[str]:
        """Paths of the values the problem file gives without a mark, labels (names,
        providers, the description) aside."""
        return [p for p in _leaf_paths(self.model_dump(exclude_unset=True))
                if p not in self._provenance
                and p.rpartition(".")[2] not in ("name", "description", "provider")]


def _check(p: OptimizeProblem) -> list[Problem]:
    """Problems pydantic cannot see: unknown catalog names, duplicate names, contract sizes."""
    out: list[Problem] = []
    names = set(catalog.accelerator_names())
    for i, s in enumerate(p.systems):
        if s.name not in names:
            out.append(Problem(f"systems[{i}].name", "unknown system (see gigaplan catalog "
                                                     "accelerators)", s.name, has_value=True))
        elif s.price_usd_per_accelerator is None and not (
                catalog.accelerator(s.name).price_usd > 0):
            out.append(Problem(f"systems[{i}].price_usd_per_accelerator",
                               f"{s.name} has no catalog price: give one"))
    for i, s in enumerate(p.sites):
        if s.region not in catalog.region_names():
            out.append(Problem(f"sites[{i}].region", "unknown region (see gigaplan catalog "
                                                     "regions)", s.region, has_value=True))
    offered = {s.name for s in p.systems}
    for i, c in enumerate(p.contracts):
        if c.system not in names:
            out.append(Problem(f"contracts[{i}].system", "unknown system", c.system,
                               has_value=True))
        if c.min_accelerators > c.max_accelerators:
            out.append(Problem(f"contracts[{i}].min_accelerators", "above max_accelerators",
                               c.min_accelerators, has_value=True))
    for kind, items in (("sites", p.sites), ("contracts", p.contracts),
                        ("systems", p.systems)):
        seen: set[str] = set()
        for i, x in enumerate(items):
            if x.name in seen:
                out.append(Problem(f"{kind}[{i}].name", "used twice", x.name, has_value=True))
            seen.add(x.name)
    if not p.sites and not p.contracts:
        out.append(Problem("sites", "give at least one candidate site or contract"))
    if p.sites and not offered:
        out.append(Problem("systems", "sites need at least one system to fill them"))
    for i, w in enumerate(p.serving):
        if w.system is not None and w.system not in offered | {c.system for c in p.contracts}:
            out.append(Problem(f"serving[{i}].system", "not among the problem's systems or "
                               "contracts' systems", w.system, has_value=True))
    if p.objective == "min_cost" and not (p.demand or p.workloads or p.serving):
        out.append(Problem("demand", "give [[demand]], [[workloads]] or [[serving]]: nothing "
                                     "to plan for"))
    if p.objective == "max_compute" and (p.limits.budget_usd is None
                                         and p.limits.capex_usd_per_year is None):
        out.append(Problem("limits.budget_usd", "objective 'max_compute' needs a budget or a "
                                                "capex limit: without one, more is always more"))
    return out


def lease_choices(p: OptimizeProblem) -> list[str]:
    """The sites that may be built or leased (a binary each), in the model's order."""
    return [s.name for s in p.sites if len(s.options) == 2]


def design_choices(p: OptimizeProblem) -> list[tuple[str, str, str]]:
    """(site, cooling, distribution) of each site offering a choice (a binary each)."""
    return [(s.name, c, d) for s in p.sites if len(s.designs()) > 1 for c, d in s.designs()]


def fixed_choices(p: OptimizeProblem, leased: dict, designs: dict) -> dict:
    """The ``lease`` and ``design`` binaries of a plan (``leased``: site -> bool,
    ``designs``: site -> (cooling, distribution)) as :func:`solve`'s ``fixed`` takes them."""
    out = {}
    if lease_choices(p):
        out["lease"] = np.array([float(leased.get(s, False)) for s in lease_choices(p)])
    if design_choices(p):
        out["design"] = np.array([float(designs.get(n) == (c, d))
                                  for n, c, d in design_choices(p)])
    return out


def _leaf_paths(data, path: str = "") -> list[str]:
    """Dotted paths (``sites[0].step_mw``) of every value of a dumped model."""
    if isinstance(data, dict):
        return [x for k, v in data.items()
                for x in _leaf_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return [x for i, v in enumerate(data) for x in _leaf_paths(v, f"{path}[{i}]")]
    return [path]


def problem_names() -> list[str]:
    """The built-in problems (``gigaplan/data/problems/*.toml``)."""
    folder = data_file("problems")
    return sorted(x.name[:-5] for x in folder.iterdir() if x.name.endswith(".toml"))


def load_problem(source: str | Path | dict) -> OptimizeProblem:
    """A validated problem from a TOML file, a built-in name or a dict; a
    :class:`~gigaplan.errors.ScenarioError` lists every problem at its path."""
    label = str(source) if not isinstance(source, dict) else "<dict>"
    marks: dict[str, Provenance] = {}
    if isinstance(source, dict):
        data = source
    else:
        path = Path(source)
        if not path.exists() and str(source) in problem_names():
            text = data_file(f"problems/{source}.toml").read_text(encoding="utf-8")
            label = f"{source} (built-in)"
        elif not path.is_file():
            raise ScenarioError(label, "no such problem file; built-in problems: "
                                + ", ".join(problem_names()))
        else:
            if path.stat().st_size > 5_000_000:
                raise ScenarioError(label, "a problem file is at most 5,000,000 bytes")
            text = path.read_text(encoding="utf-8-sig")
        data, marks = read_toml(text, label)
    try:
        p = OptimizeProblem.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(label, validation_problems(exc, OptimizeProblem)) from None
    found = _check(p)
    if found:
        raise ScenarioError(label, found)
    p._provenance = marks
    return p
