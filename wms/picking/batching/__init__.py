"""Wave planning (order batching): which orders go on which cart, and in what walking order.

Pure core: numpy, numba and OR-Tools; no database, no web. A frozen
``BatchingProblem`` in, a ``WaveResult`` out (``plan_wave``); ``plan_fcfs`` and
``plan_constructive`` are the baselines. See ``planner`` for the pipeline.
"""

from wms.picking.batching.planner import (
    plan_constructive,
    plan_fcfs,
    plan_wave,
)
from wms.picking.batching.problem import (
    BatchingProblem,
    CartCapacity,
    PickList,
    WaveResult,
)

__all__ = [
    "BatchingProblem",
    "CartCapacity",
    "PickList",
    "WaveResult",
    "plan_constructive",
    "plan_fcfs",
    "plan_wave",
]
