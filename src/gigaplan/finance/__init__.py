"""Money: capex, opex, levelised cost per accelerator-hour, build vs rent, cash flow, budgets.

:mod:`~gigaplan.finance.formulas` (capex, opex, capital recovery, cost per hour and per FLOP,
IRR), :mod:`~gigaplan.finance.site` (one site: :func:`cost`, :func:`budget`) and
:mod:`~gigaplan.finance.cashflow` (the pipeline stage: :func:`build`, :class:`FinanceResult`).
"""

from .cashflow import YEARLY_COLUMNS, FinanceResult, build
from .formulas import (CAPEX_COLUMNS, OPEX_COLUMNS, annual_cost, breakeven_utilization, capex,
                       crf, irr, levelised_usd_per_accelerator_hour, opex_per_year, params,
                       price, usd_per_1e24_flop)
from .site import Budget, SiteCost, budget, cost

__all__ = [
    "CAPEX_COLUMNS", "OPEX_COLUMNS", "YEARLY_COLUMNS", "Budget", "FinanceResult", "SiteCost",
    "annual_cost", "breakeven_utilization", "budget", "build", "capex", "cost", "crf", "irr",
    "levelised_usd_per_accelerator_hour", "opex_per_year", "params", "price",
    "usd_per_1e24_flop",
]
