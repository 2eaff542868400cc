"""Quantities with units: exact conversion and clear errors."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigaplan.units import UnitError, parse_quantity


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("1.2 GW", "power_mw", 1200.0),          # 1.2 x 10^3 MW, exactly (not 1200.0000000000002)
        ("300 MW", "power_mw", 300.0),
        ("300MW", "power_mw", 300.0),
        ("750 kW", "power_mw", 0.75),
        (300, "power_mw", 300.0),                # plain number: already in MW
        ("1.2 kW", "power_w", 1200.0),
        ("$50B", "usd", 50e9),
        ("$50 bn", "usd", 50e9),
        ("50 billion USD", "usd", 50e9),
        ("USD 30B", "usd", 30e9),
        ("$1.2M", "usd", 1.2e6),
        ("$2.50/h", "usd_per_hour", 2.5),
        ("2.5 USD/h", "usd_per_hour", 2.5),
        ("6.6 c/kWh", "usd_per_mwh", 66.0),      # 6.6 cents x 1000 kWh/MWh / 100 cents/$ = $66
        ("$0.066/kWh", "usd_per_mwh", 66.0),
        ("$66/MWh", "usd_per_mwh", 66.0),
        ("8%", "fraction", 0.08),
        ("100k", "count", 100_000.0),
        ("1,000,000", "count", 1e6),
        ("1.5M", "count", 1.5e6),
        ("405B", "parameters", 405e9),
        ("15.6T tokens", "tokens", 15.6e12),
        ("1e26", "flop", 1e26),
        ("10^26 FLOP", "flop", 1e26),
        ("3.8e25 FLOP", "flop", 3.8e25),
    ],
)
def test_parse_quantity_converts_exactly(value, kind, expected):
    assert parse_quantity(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "fragment"),
    [
        ("300 kg", "power_mw", "unit 'kg' cannot be converted to MW"),
        ("$50B", "power_mw", "a money amount"),
        ("abc", "power_mw", "no number found"),
        ("12 MWh", "power_mw", "unit 'MWh' cannot be converted to MW"),
        ("1 GW", "usd", "expected an amount of money such as $50B"),
        (True, "count", "boolean"),
        ([1], "count", "list"),
        (float("nan"), "power_mw", "not a finite number"),
        ("1e999999 MW", "power_mw", "too large"),
    ],
)
def test_parse_quantity_rejects_with_reason(value, kind, fragment):
    with pytest.raises(UnitError) as info:
        parse_quantity(value, kind)
    assert fragment in str(info.value)


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3),
       st.sampled_from([("kW", -3), ("MW", 0), ("GW", 3)]))
def test_power_strings_scale_by_exact_powers_of_ten(number, unit):
    # "<d> GW" must equal the decimal d scaled by 10^3, rounded once to float.
    name, exponent = unit
    assert parse_quantity(f"{number} {name}", "power_mw") == float(number.scaleb(exponent))


@given(st.text(max_size=30))
def test_any_string_is_a_quantity_or_a_unit_error(text):
    try:
        parse_quantity(text, "power_mw")
    except UnitError:
        pass
