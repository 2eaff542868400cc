"""Moist-air relations used to describe a site's climate.

Small pure functions over numpy arrays (or scalars), in degrees Celsius and percent.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["DRY_BULB_RANGE_C", "check_climate", "f_to_c", "relative_humidity_pct",
           "wet_bulb_stull_c"]

#: Physically plausible monthly-mean dry bulb for a site on Earth [°C]: the coldest monthly mean
#: on record (Vostok, about -66 °C) to a little above the hottest (Death Valley July, about 39 °C).
DRY_BULB_RANGE_C = (-70.0, 45.0)

# Magnus coefficients over water, Alduchov & Eskridge (1996), J. Appl. Meteor. 35(4), 601-609.
_MAGNUS_A = 17.625
_MAGNUS_B_C = 243.04


def f_to_c(temp_f: ArrayLike) -> np.ndarray:
    """Degrees Fahrenheit to Celsius: (F - 32) x 5/9 (exact by definition)."""
    return (np.asarray(temp_f, dtype=float) - 32.0) * 5.0 / 9.0


def relative_humidity_pct(temp_c: ArrayLike, dew_point_c: ArrayLike) -> np.ndarray:
    """Relative humidity [%] from air temperature and dew point [°C].

    RH = 100 · exp(a·Td/(b+Td) − a·T/(b+T)), the ratio of saturation vapour pressures from the
    Magnus formula with a = 17.625, b = 243.04 °C.

    References
    ----------
    Alduchov, O. A. & Eskridge, R. E. (1996). Improved Magnus form approximation of saturation
    vapor pressure. Journal of Applied Meteorology 35(4), 601-609.
    """
    t = np.asarray(temp_c, dtype=float)
    td = np.asarray(dew_point_c, dtype=float)
    return 100.0 * np.exp(_MAGNUS_A * td / (_MAGNUS_B_C + td) - _MAGNUS_A * t / (_MAGNUS_B_C + t))


def wet_bulb_stull_c(temp_c: ArrayLike, rh_pct: ArrayLike) -> np.ndarray:
    """Wet-bulb temperature [°C] at sea-level pressure from temperature [°C] and RH [%].

    Tw = T·atan(0.151977·(RH + 8.313659)^½) + atan(T + RH) − atan(RH − 1.676331)
         + 0.00391838·RH^{3/2}·atan(0.023101·RH) − 4.686035

    Valid for RH 5-99 % and T −20..50 °C, error within about ±1 °C (Stull 2011, Fig. 3).
    Applied to monthly means it gives the wet bulb of the mean state, not the mean wet bulb.

    References
    ----------
    Stull, R. (2011). Wet-bulb temperature from relative humidity and air temperature.
    Journal of Applied Meteorology and Climatology 50(11), 2267-2269. doi:10.1175/JAMC-D-11-0143.1
    """
    t = np.asarray(temp_c, dtype=float)
    rh = np.asarray(rh_pct, dtype=float)
    return (
        t * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035
    )


def check_climate(dry_bulb_c: ArrayLike,
                  dew_point_c: ArrayLike) -> list[tuple[str, float | None, str]]:
    """Problems with 12 monthly mean dry bulbs and dew points [°C]; an empty list if none.

    Each must hold 12 finite values (January first), dry bulb within :data:`DRY_BULB_RANGE_C`,
    and the dew point may not exceed the dry bulb (air cannot hold more than saturation).
    Each problem is ``(path, value, message)`` with a path such as ``"dew_point_c[6]"``
    (month index from 0) and the offending value (None when the whole list is wrong).
    """
    problems: list[tuple[str, float | None, str]] = []
    arrays = {}
    for name, values in (("dry_bulb_c", dry_bulb_c), ("dew_point_c", dew_point_c)):
        a = np.asarray(values, dtype=float).ravel()
        if a.size != 12:
            problems.append((name, None, f"expected 12 monthly values (January first), "
                                         f"got {a.size}"))
        elif not np.all(np.isfinite(a)):
            problems.append((name, None, "expected finite numbers"))
        else:
            arrays[name] = a
    lo, hi = DRY_BULB_RANGE_C
    for i in np.flatnonzero(((arrays.get("dry_bulb_c", np.zeros(12)) < lo)
                             | (arrays.get("dry_bulb_c", np.zeros(12)) > hi))):
        problems.append((f"dry_bulb_c[{i}]", float(arrays["dry_bulb_c"][i]),
                         f"expected a monthly mean between {lo:g} and {hi:g} °C"))
    if len(arrays) == 2:
        for i in np.flatnonzero(arrays["dew_point_c"] > arrays["dry_bulb_c"] + 1e-9):
            problems.append((f"dew_point_c[{i}]", float(arrays["dew_point_c"][i]),
                             f"expected at most that month's dry bulb "
                             f"({arrays['dry_bulb_c'][i]:g} °C)"))
    return problems
