"""Debt financing of the owned capex: draws, interest, repayment, the equity's cash flow and
the weighted average cost of capital.

A share ``debt_share`` of each year's capex (facility and accelerators, the tenant's IT on a
leased site included) is drawn at the end of that year and repaid over ``tenor`` years from
the next, as a level annuity (``level``: equal payments of interest and principal, the
payment ``D x CRF(i, n)``) or in equal principal instalments (``linear``). Interest is
deductible from taxable income. Debt still outstanding at the horizon's end is repaid in its
last year (the horizon holds no terminal value of the assets either), so more debt never
hides a liability past the horizon. The equity's cash flow is the project's (after the tax
actually paid) plus draws, less interest and principal.

References
----------
Short, Packey & Holt (1995), NREL/TP-462-5173 (capital recovery factor); NREL System Advisor
Model, *Financial models: project finance* (debt service, equity cash flow, DSCR). Default
rate: the 6.58% yield at issue of the $27B Hyperion (Beignet Investor, Meta and Blue Owl)
bonds of October 2025 (WSJ, via Fudzilla / up2info, 2025-10-21), rated A+, due 2049.
"""

from __future__ import annotations

import numpy as np

from .formulas import crf

__all__ = ["REPAYMENTS", "schedule", "unit_profile", "wacc"]

REPAYMENTS = ("level", "linear")


def unit_profile(rate: float, tenor_years: int, repayment: str = "level") -> tuple:
    """Interest and principal paid in each of the ``tenor_years`` years after drawing 1 USD.

    Parameters
    ----------
    rate : float
        Annual interest rate [fraction].
    tenor_years : int
        Years of repayment (whole years).
    repayment : {"level", "linear"}
        Level annuity (payment ``CRF(rate, n)`` each year) or equal principal (``1 / n``).

    Returns
    -------
    (interest, principal) : tuple of numpy.ndarray, each (tenor_years,)
        Year j's interest is ``rate x`` the balance after year j - 1; they sum to the payment.
    """
    if repayment not in REPAYMENTS:
        raise ValueError(f"repayment {repayment!r}: expected one of {', '.join(REPAYMENTS)}")
    n = int(tenor_years)
    if repayment == "level":
        payment = float(crf(rate, n))
        balance = np.empty(n + 1)
        balance[0] = 1.0
        for j in range(n):  # n <= 40 steps, once per run (not per sample)
            balance[j + 1] = balance[j] * (1.0 + rate) - payment
        interest = rate * balance[:-1]
        return interest, payment - interest
    principal = np.full(n, 1.0 / n)
    balance = 1.0 - np.concatenate([[0.0], np.cumsum(principal)[:-1]])
    return rate * balance, principal


def schedule(draws: np.ndarray, rate: float, tenor_years: int,
             repayment: str = "level") -> dict[str, np.ndarray]:
    """Debt service of yearly ``draws`` (S, Y) [USD], each repaid over the following years.

    Returns ``interest``, ``principal`` (the balance left at the last year is repaid then) and
    ``balance`` (outstanding at each year's end before that final repayment), each (S, Y).
    """
    draws = np.asarray(draws, dtype=float)
    interest_1, principal_1 = unit_profile(rate, tenor_years, repayment)
    interest, principal = np.zeros_like(draws), np.zeros_like(draws)
    n_y = draws.shape[-1]
    for lag in range(1, min(int(tenor_years), n_y - 1) + 1):
        interest[..., lag:] += draws[..., :-lag] * interest_1[lag - 1]
        principal[..., lag:] += draws[..., :-lag] * principal_1[lag - 1]
    balance = np.cumsum(draws, axis=-1) - np.cumsum(principal, axis=-1)
    out_principal = principal.copy()
    out_principal[..., -1] += balance[..., -1]  # what is left is repaid in the last year
    return {"interest": interest, "principal": out_principal, "balance": balance}


def wacc(debt_share, interest_rate, equity_return, tax_rate) -> np.ndarray:
    """Weighted average cost of capital: ``(1 - d) x r_e + d x r_d x (1 - t)``.

    References
    ----------
    Modigliani & Miller (1963), with the interest tax shield; Brealey, Myers & Allen,
    *Principles of Corporate Finance*, ch. 19.
    """
    d = np.asarray(debt_share, dtype=float)
    return (1.0 - d) * np.asarray(equity_return) + d * np.asarray(interest_rate) * (
        1.0 - np.asarray(tax_rate))
