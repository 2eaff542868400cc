"""Physical and calendar constants shared by every engine (one definition each).

Two year lengths are used on purpose, each where its source defines its rates:

* :data:`HOURS_PER_YEAR` (8,760 h, a 365-day year): levelised costs per accelerator-hour and
  annual energy, the convention of NREL's LCOE and of the cost guides the finance model uses.
* :data:`HOURS_PER_JULIAN_YEAR` (8,766 h, 365.25 days): interruption rates per
  accelerator-year, calibrated on Llama 3's 54-day snapshot of 16,384 GPUs = 2,422.3
  GPU-years of 365.25 days.
"""

from __future__ import annotations

__all__ = ["FLOP_PER_PARAM_TOKEN", "GB", "HOURS_PER_JULIAN_YEAR", "HOURS_PER_YEAR", "SECONDS_PER_DAY",
           "SECONDS_PER_HOUR", "SECONDS_PER_YEAR"]

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0
#: A 365-day year [h]: levelised cost and annual figures.
HOURS_PER_YEAR = 8760.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * SECONDS_PER_HOUR
#: A year of 365.25 days [h]: failure rates per accelerator-year.
HOURS_PER_JULIAN_YEAR = 8766.0
#: Bytes in a gigabyte (SI, as HBM and storage bandwidth are quoted).
GB = 1e9
#: Training FLOP per parameter per token: forward 2 + backward 4 (Kaplan et al. 2020, sec. 2.1).
FLOP_PER_PARAM_TOKEN = 6.0
