"""Serving: tokens per second per accelerator, the accelerators a demand needs, and the cost
per million tokens.

:mod:`~gigaplan.serving.model` (the roofline of prefill and decode, batch and tensor
parallelism), :mod:`~gigaplan.serving.plan` (:func:`plan`: requests as a table) and
:mod:`~gigaplan.serving.stage` (:func:`build`: the pipeline stage that places a scenario's
``[[serving]]`` models on its fleet before training).
"""

from .model import BYTES, LIMITS, evaluate, kv_bytes_per_token
from .plan import DEFAULTS, INPUT_COLUMNS, OUTPUT_COLUMNS, ServingError, plan
from .stage import ServingResult, build

__all__ = ["BYTES", "DEFAULTS", "INPUT_COLUMNS", "LIMITS", "OUTPUT_COLUMNS", "ServingError",
           "ServingResult", "build", "evaluate", "kv_bytes_per_token", "plan"]
