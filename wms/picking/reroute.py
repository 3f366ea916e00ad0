"""A pick list re-routed after a short pick: its open stops walked from where the picker stands.

The stops a short pick adds lie elsewhere in the warehouse. The open stops,
old and new, are put in the order of the shortest path from the short stop's
location to the depot (:func:`wms.picking.routing.paths.route_from`: exact up
to its point limit), renumbered after every stop already confirmed, and
``distance_m`` becomes what the list's walk now is: depot → the confirmed
stops (in the order they were confirmed, the short one last) → that path.
The wave's ``total_distance_m`` stays the planned total.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.inventory.repository import location_points, warehouse_layout
from wms.picking.orm import PickList, PickListStop
from wms.picking.routing.paths import route_from, walked_length
from wms.picking.routing.problem import LayoutArrays, RoutingProblem


def reroute_from(s: Session, pl: PickList, at: PickListStop) -> None:
    """Re-sequence the open stops of ``pl`` from the location of stop ``at`` and update ``distance_m``."""
    stops = s.scalars(select(PickListStop).where(PickListStop.pick_list_id == pl.id).order_by(PickListStop.seq)).all()
    walked = [st for st in stops if st.status in ("picked", "short") and st.id != at.id]  # not cancelled ones
    done = sorted(walked, key=lambda st: (st.confirmed_at is None, st.confirmed_at or 0, st.seq)) + [at]
    todo = [st for st in stops if st.status == "open"]
    ids = {st.location_id for st in done + todo}  # a cancelled stop's location does not matter
    where = {i: (a, y) for i, (a, y) in location_points(s, ids).items() if a is not None}
    if len(where) < len(ids):
        return  # a stop off the aisles (not from a wave's layout): keep the sequence as it is
    layout = LayoutArrays.from_layout(warehouse_layout(s, pl.warehouse_id))

    def arrays(group: list[PickListStop]) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([where[st.location_id][0] - 1 for st in group], dtype=np.int64),
            np.array([where[st.location_id][1] for st in group], dtype=np.float64),
        )

    here = where[at.location_id]
    rest = route_from(RoutingProblem(*arrays(todo), layout), (here[0] - 1, here[1]))
    base = max(st.seq for st in stops) + 1  # above every number in use: no clash with the unique (list, seq)
    for k, i in enumerate(rest.order.tolist()):
        todo[i].seq = base + k
    pl.distance_m = round(walked_length(RoutingProblem(*arrays(done), layout)) + rest.length, 6)
    s.flush()
