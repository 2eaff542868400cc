"""Quantities with units in scenario files, converted exactly.

A scenario field's name says its unit (``it_mw``, ``price_usd_per_mwh``). Its value may be a
plain number in that unit, or a string with a unit that is converted to it::

    it_mw = 300            # 300 MW
    it_mw = "1.2 GW"       # 1200 MW
    total_value_usd = "$50B"
    price_usd_per_mwh = "6.6 c/kWh"   # 66 USD/MWh

Numbers are parsed as :class:`decimal.Decimal` and scaled by exact powers of ten, so
``"1.2 GW"`` becomes exactly ``1200.0`` (not ``1200.0000000000002``). Only the final value is
converted to ``float``.

Each *kind* of quantity (:data:`KINDS`) lists the units it accepts; anything else is an error
that names the value and what is expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["KINDS", "Kind", "UnitError", "parse_quantity"]


class UnitError(ValueError):
    """A value could not be read as a quantity of the expected kind."""


# Magnitude words and suffixes: "$50B", "405B", "1.5 million", "15.6T".
_MAGNITUDE: dict[str, int] = {
    "": 0,
    "k": 3,
    "thousand": 3,
    "m": 6,
    "mn": 6,
    "mm": 6,
    "million": 6,
    "b": 9,
    "bn": 9,
    "billion": 9,
    "t": 12,
    "tn": 12,
    "trillion": 12,
}

_NUMBER = re.compile(
    r"""^\s*
    (?P<cur>\$|usd(?=[\s\d$]))?\s*
    (?P<num>
        10\s*\^\s*[-+]?\d+                     # 10^26
      | [-+]?(?:\d[\d,_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?   # 1,200.5e3
    )
    \s*(?P<rest>.*?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Kind:
    """A kind of quantity: its canonical unit and the unit spellings it accepts.

    ``units`` maps a normalised unit spelling (lower case, no spaces) to the power of ten that
    converts it to the canonical unit. ``money`` allows a ``$``/``USD`` prefix and magnitude
    suffixes (k, M, B, T); ``magnitude`` allows the suffixes on plain counts ("100k", "405B").
    """

    name: str
    unit: str
    units: dict[str, int]
    example: str
    money: bool = False
    magnitude: bool = False
    percent: bool = False


def _per(prefixes: dict[str, int], denominators: dict[str, int]) -> dict[str, int]:
    """All spellings ``<num><sep><den>`` with their combined power of ten."""
    out: dict[str, int] = {}
    for num, p in prefixes.items():
        for den, q in denominators.items():
            for sep in ("/", "per"):
                out[f"{num}{sep}{den}"] = p - q
    return out


_HOURS = {"h": 0, "hr": 0, "hour": 0, "hours": 0, "accelerator-hour": 0, "acceleratorhour": 0,
          "gpu-hour": 0, "gpuhour": 0, "gpu-hr": 0, "gpu-h": 0, "chip-hour": 0}

KINDS: dict[str, Kind] = {
    "power_mw": Kind(
        "power", "MW",
        {"w": -6, "watt": -6, "watts": -6, "kw": -3, "mw": 0, "gw": 3, "tw": 6},
        "300 MW or 1.2 GW",
    ),
    "power_w": Kind(
        "power", "W", {"w": 0, "watt": 0, "watts": 0, "kw": 3, "mw": 6}, "700 W or 1.2 kW",
    ),
    "usd": Kind("amount of money", "USD", {"": 0, "usd": 0, "dollars": 0, "$": 0},
                "$50B, $1.2M or 30e9", money=True),
    "usd_per_hour": Kind(
        "price per accelerator-hour", "USD/h",
        {**_per({"": 0, "usd": 0, "$": 0}, _HOURS)},
        "$2.50/h", money=True,
    ),
    "usd_per_mwh": Kind(
        "electricity price", "USD/MWh",
        {**_per({"": 0, "usd": 0, "$": 0}, {"mwh": 0, "kwh": -3}),
         **_per({"c": -2, "¢": -2, "cent": -2, "cents": -2}, {"mwh": 0, "kwh": -3})},
        "$66/MWh or 6.6 c/kWh", money=True,
    ),
    "usd_per_kw_month": Kind(
        "lease price per kW of critical IT per month", "USD/kW-month",
        _per({"": 0, "usd": 0, "$": 0}, {"kw-month": 0, "kwmonth": 0, "kw-mo": 0, "kw/month": 0,
                                        "kw/mo": 0, "kw-mth": 0}),
        "$180/kW-month", money=True,
    ),
    "fraction": Kind("fraction", "1", {"": 0}, "0.08 or 8%", percent=True),
    "count": Kind("count", "1", {"": 0}, "100000, 100k or 1.5M", magnitude=True),
    "parameters": Kind(
        "number of parameters", "1", {"": 0, "params": 0, "parameters": 0},
        "405B or 4.05e11", magnitude=True,
    ),
    "tokens": Kind("number of tokens", "1", {"": 0, "tokens": 0}, "15.6T or 1.56e13",
                   magnitude=True),
    "flop": Kind("amount of compute", "FLOP", {"": 0, "flop": 0, "flops": 0}, "1e26 or 3.8e25 FLOP"),
    "months": Kind("duration", "months", {"": 0, "month": 0, "months": 0, "mo": 0}, "3 months"),
    "days": Kind("duration", "days", {"": 0, "d": 0, "day": 0, "days": 0}, "90 days"),
    "minutes": Kind("duration", "min", {"": 0, "min": 0, "mins": 0, "minute": 0, "minutes": 0},
                    "10 min"),
    "years": Kind("duration", "years", {"": 0, "y": 0, "yr": 0, "year": 0, "years": 0}, "5 years"),
    "eflops": Kind(
        "compute rate", "EFLOP/s",
        {"eflop/s": 0, "eflops": 0, "pflop/s": -3, "pflops": -3, "zflop/s": 3, "zflops": 3,
         "flop/s": -18},
        "300 EFLOP/s or 1.2 ZFLOP/s"),
    "co2_t": Kind(
        "mass of CO2", "t",
        {"t": 0, "tonne": 0, "tonnes": 0, "tco2": 0, "kt": 3, "ktco2": 3, "mt": 6, "mtco2": 6},
        "2 Mt or 500 kt (megatonnes, kilotonnes of CO2)"),
    "water_m3": Kind(
        "volume of water", "m3",
        {"m3": 0, "m³": 0, "kl": 0, "kilolitres": 0, "megalitres": 3, "megaliters": 3,
         "gigalitres": 6, "gigaliters": 6, "l": -3, "litres": -3, "liters": -3},
        "5e6 m3 or 500 megalitres"),
}


def _to_decimal(text: str) -> Decimal:
    text = text.replace(",", "").replace("_", "").replace(" ", "")
    if "^" in text:
        base, exp = text.split("^")
        return Decimal(base) ** int(exp)
    return Decimal(text)


def parse_quantity(value: object, kind: str) -> float:
    """Read ``value`` as a quantity of ``kind`` (a key of :data:`KINDS`) in its canonical unit.

    Parameters
    ----------
    value : int, float, Decimal or str
        A plain number (already in the canonical unit) or a string with a unit.
    kind : str
        Which kind of quantity is expected, e.g. ``"power_mw"``.

    Returns
    -------
    float
        The value in the canonical unit of ``kind``.

    Raises
    ------
    UnitError
        If the value is not a number, has a unit of another kind, or is not finite.

    Examples
    --------
    >>> parse_quantity("1.2 GW", "power_mw")
    1200.0
    >>> parse_quantity("$50B", "usd")
    50000000000.0
    >>> parse_quantity("6.6 c/kWh", "usd_per_mwh")
    66.0
    """
    spec = KINDS[kind]
    article = "an" if spec.name[0] in "aeiou" else "a"
    expected = f"expected {article} {spec.name} such as {spec.example}"
    if isinstance(value, bool):
        raise UnitError(f"{expected}, got a boolean")
    if isinstance(value, (int, float, Decimal)):
        out = float(value)
        if not math.isfinite(out):
            raise UnitError(f"{expected}, got {value!r} (not a finite number)")
        return out
    if not isinstance(value, str):
        raise UnitError(f"{expected}, got {type(value).__name__} {value!r}")

    m = _NUMBER.match(value)
    if m is None:
        raise UnitError(f"{expected}, got {value!r} (no number found)")
    try:
        number = _to_decimal(m["num"])
    except (ArithmeticError, ValueError):
        raise UnitError(f"{expected}, got {value!r} (unreadable number)") from None
    rest = m["rest"].lower().replace(" ", "")
    currency = m["cur"] is not None
    if currency and not spec.money:
        raise UnitError(f"{expected}, got {value!r} (a money amount)")

    if spec.percent and rest == "%":
        number /= 100
        rest = ""
    exponent, rest = _magnitude(rest, spec)
    if spec.money:
        rest = _strip_currency(rest)
    if rest == "" and not currency:  # a bare number is in the canonical unit, as a number is
        rest = next(iter(u for u, e in spec.units.items() if e == 0), rest)
    if rest not in spec.units:
        unit_text = m["rest"].strip() or "(none)"
        raise UnitError(f"{expected}, got {value!r} (unit {unit_text!r} cannot be converted to {spec.unit})")
    exponent += spec.units[rest]
    try:
        out = float(number.scaleb(exponent))
    except ArithmeticError:
        out = math.inf
    if not math.isfinite(out):
        raise UnitError(f"{expected}, got {value!r} (too large)")
    return out


def _magnitude(rest: str, spec: Kind) -> tuple[int, str]:
    """(power of ten, the rest) of a magnitude suffix that may follow the number directly:
    "$50B", "405B params", "1.5 million" (money and counts only)."""
    if spec.money or spec.magnitude:
        for word in sorted(_MAGNITUDE, key=len, reverse=True):
            if word and rest.startswith(word):
                tail = rest[len(word):]
                if tail in spec.units or (spec.money and _strip_currency(tail) in spec.units):
                    return _MAGNITUDE[word], tail
    return 0, rest


def _strip_currency(rest: str) -> str:
    """Drop a trailing currency word: ``"busd"`` -> ``"b"``, ``"/h"`` stays."""
    for word in ("usd", "dollars", "dollar"):
        if rest.endswith(word) and rest != word:
            return rest[: -len(word)]
        if rest.startswith(word) and rest != word:
            return rest[len(word):]
    return rest
