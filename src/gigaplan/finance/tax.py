"""US federal income tax on a build's cash flow: MACRS depreciation, bonus depreciation and the
carry-forward of losses.

* **MACRS** (``depreciation = "macrs"``): accelerators and servers are 5-year property (asset
  class 00.12, information systems), depreciated by the half-year-convention table; the
  facility is nonresidential real property, 39-year straight line with the mid-month
  convention (IRS Publication 946, 2024, Table A-1 and Table A-7a).
* **Bonus depreciation** (``bonus_depreciation``): that share of the accelerators' basis is
  deducted in the year placed in service, the rest by the chosen method; property with a
  recovery period of 20 years or less qualifies, so not the building. The One Big Beautiful
  Bill Act (Pub. L. 119-21, 2025-07-04, section 70301) restored 100% bonus depreciation for
  property acquired after 2025-01-19; gigaplan's default is 0 (a plan states its choice).
* **Losses** carry forward without limit in time and offset at most 80% of a later year's
  taxable income (26 U.S.C. 172(a), (b)(1)(A), as amended by the Tax Cuts and Jobs Act 2017).

References
----------
Internal Revenue Service, *Publication 946: How To Depreciate Property* (2024), Tables A-1 and
A-7a; 26 U.S.C. 168 (MACRS, bonus depreciation) and 172 (net operating losses).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MACRS_HALF_YEAR", "NOL_LIMIT", "carry_forward", "macrs", "mid_month_straight_line"]

#: MACRS percentages by recovery year, half-year convention (Publication 946, Table A-1).
MACRS_HALF_YEAR = {
    3: (0.3333, 0.4445, 0.1481, 0.0741),
    5: (0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576),
    7: (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893, 0.0446),
}
#: Share of taxable income a carried-forward loss may offset (26 U.S.C. 172(a)(2)).
NOL_LIMIT = 0.8


def macrs(basis_by_year: np.ndarray, recovery_years: int = 5) -> np.ndarray:
    """Depreciation by calendar year of the basis placed in service in each year (..., Y),
    by the half-year MACRS table of ``recovery_years`` (3, 5 or 7); what falls after the last
    year is not returned."""
    rates = np.asarray(MACRS_HALF_YEAR[recovery_years])
    basis = np.asarray(basis_by_year, dtype=float)
    out = np.zeros_like(basis)
    n_y = basis.shape[-1]
    for lag, rate in enumerate(rates[:n_y]):  # at most 8 recovery years
        out[..., lag:] += basis[..., :n_y - lag] * rate
    return out


def mid_month_straight_line(basis_by_month: np.ndarray, years: float = 39.0) -> np.ndarray:
    """Monthly straight-line depreciation with the mid-month convention: property placed in
    service in a month earns half a month's depreciation then, and the recovery ends half a
    month late (the mean of starting in the month and in the next). (..., months)."""
    months = int(round(years * 12))
    basis = np.asarray(basis_by_month, dtype=float)
    c = np.cumsum(basis, axis=-1)
    pad = np.zeros(basis.shape[:-1] + (months,))
    lagged = np.concatenate([pad, c], axis=-1)[..., :c.shape[-1]]
    now = (c - lagged) / months
    nxt = np.concatenate([np.zeros(basis.shape[:-1] + (1,)), now[..., :-1]], axis=-1)
    return 0.5 * (now + nxt)


def carry_forward(taxable: np.ndarray, limit: float = NOL_LIMIT) -> tuple[np.ndarray, np.ndarray]:
    """Taxable income after losses carried forward, and the loss carried at each year's end.

    Parameters
    ----------
    taxable : numpy.ndarray (..., Y)
        Taxable income before losses of earlier years [USD] (negative: a loss).
    limit : float
        Share of a year's positive taxable income that carried losses may offset.

    Returns
    -------
    (after, carried) : tuple of numpy.ndarray (..., Y)
        ``after``: taxable income net of the losses used (negative years unchanged);
        ``carried``: losses not yet used at the end of each year.
    """
    t = np.asarray(taxable, dtype=float)
    after, carried = t.copy(), np.zeros_like(t)
    pool = np.zeros(t.shape[:-1])
    for k in range(t.shape[-1]):  # years in sequence, every sample at once
        income = t[..., k]
        used = np.where(income > 0, np.minimum(pool, limit * income), 0.0)
        after[..., k] = income - used
        pool = pool - used + np.where(income < 0, -income, 0.0)
        carried[..., k] = pool
    return after, carried
