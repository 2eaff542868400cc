"""The training planner: compute, time, size and memory of training runs, and the training
stage that places a scenario's workloads on its fleet.

:mod:`~gigaplan.training.formulas` (6ND compute, time, memory, layouts),
:mod:`~gigaplan.training.runs` (:func:`plan` and :func:`train`: runs given as a table) and
:mod:`~gigaplan.training.schedule` (:func:`schedule`: the pipeline stage). Goodput and
checkpoint sizing come from :mod:`gigaplan.reliability`, MFU from
:meth:`gigaplan.assumptions.Assumptions.mfu`.
"""

from .formulas import (FLOP_PER_PARAM_TOKEN, RECOMPUTE, accelerators_for, activation_bytes,
                       checkpoint_bytes, compute_optimal_params, effective_flops_per_s,
                       layout_candidates, max_flops, model_shape, propose_layout, state_bytes,
                       time_to_train_s, training_flops)
from .runs import INPUT_COLUMNS, PRECISIONS, RUN_COLUMNS, TrainRun, plan, records, train
from .schedule import WORKLOAD_COLUMNS, TrainingResult, schedule
from .sweep import scaling_curves

__all__ = [
    "FLOP_PER_PARAM_TOKEN", "INPUT_COLUMNS", "PRECISIONS", "RECOMPUTE", "RUN_COLUMNS",
    "WORKLOAD_COLUMNS", "TrainRun", "TrainingResult", "accelerators_for", "activation_bytes",
    "checkpoint_bytes", "compute_optimal_params", "effective_flops_per_s", "layout_candidates",
    "max_flops", "model_shape", "plan", "propose_layout", "records", "scaling_curves",
    "schedule", "state_bytes", "time_to_train_s", "train", "training_flops",
]
