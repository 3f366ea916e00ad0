"""Every routing and wave kernel releases the GIL while it runs (``nogil=True``).

``wms serve`` plans waves and routes in threads of the processes that answer requests: a kernel holding the
GIL would stall every other request of its process for as long as one kernel call lasts (300-380 ms per
call in ``benchmarks/planning_beside_requests.py`` before, with the request-like loop beside the planner at
0.15 of its rate alone; 0.96 with the GIL released).
"""

from __future__ import annotations

from wms.picking.kernels import dispatchers


def test_every_kernel_releases_the_gil() -> None:
    kernels = dispatchers()
    assert len(kernels) > 50  # the routing and wave kernels were found
    holding = [f"{k.py_func.__module__}.{k.py_func.__qualname__}" for k in kernels if not k.targetoptions.get("nogil")]
    assert holding == []
