"""Stock (and shipment history) invariants, checked straight in the database."""

from __future__ import annotations

from sqlalchemy import Engine, text

LEDGER_VS_STOCK = """
SELECT coalesce(s.location_id, m.location_id) AS location_id, coalesce(s.lot_id, m.lot_id) AS lot_id,
       coalesce(s.on_hand, 0) AS on_hand, coalesce(m.total, 0) AS ledger
FROM stock s
FULL OUTER JOIN (SELECT location_id, lot_id, sum(delta) AS total FROM stock_movements
                 GROUP BY location_id, lot_id) m
  ON m.location_id = s.location_id AND m.lot_id = s.lot_id
WHERE coalesce(s.on_hand, 0) <> coalesce(m.total, 0)
"""


def assert_stock_invariants(engine: Engine) -> None:
    """On hand equals the ledger sum per (location, lot); never negative; reserved ≤ on hand."""
    with engine.connect() as conn:
        mismatches = conn.execute(text(LEDGER_VS_STOCK)).all()
        bad_rows = conn.execute(
            text("SELECT id, on_hand, reserved FROM stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand")
        ).all()
        running_negative = conn.execute(
            text(
                "SELECT 1 FROM (SELECT sum(delta) OVER (PARTITION BY location_id, lot_id ORDER BY id) AS running "
                "FROM stock_movements) r WHERE running < 0 LIMIT 1"
            )
        ).all()
    assert mismatches == [], f"on hand differs from the ledger: {mismatches}"
    assert bad_rows == [], f"stock rows out of bounds: {bad_rows}"
    assert running_negative == [], "the ledger went negative at some point"


def database_state(engine: Engine) -> dict[str, list]:
    """Every row of every table: a refused request must leave all of it as it was."""
    from wms.models import Base

    with engine.connect() as conn:
        return {
            t.name: conn.execute(text(f"SELECT * FROM {t.name} ORDER BY 1")).all() for t in Base.metadata.sorted_tables
        }


def snapshot(engine: Engine) -> tuple[list, list]:
    """Every stock row and ledger row, to show a refused request changed nothing."""
    with engine.connect() as conn:
        stock = conn.execute(text("SELECT * FROM stock ORDER BY id")).all()
        ledger = conn.execute(text("SELECT * FROM stock_movements ORDER BY id")).all()
        ops = conn.execute(text("SELECT count(*) FROM stock_operations")).scalar()
        lots = conn.execute(text("SELECT * FROM lots ORDER BY id")).all()
    return [stock, lots, ops], ledger


RESERVED_VS_ALLOCATIONS = """
SELECT s.id, s.reserved, coalesce(a.total, 0) AS allocated
FROM stock s
LEFT JOIN (SELECT al.stock_id, sum(al.quantity) AS total FROM allocations al
           JOIN shipment_lines sl ON sl.id = al.shipment_line_id
           JOIN shipments sh ON sh.id = sl.shipment_id AND sh.status NOT IN ('cancelled', 'shipped')
           GROUP BY al.stock_id) a ON a.stock_id = s.id
WHERE s.reserved <> coalesce(a.total, 0)
"""

ORDER_LINES_ACCOUNTED = """
SELECT ol.id, ol.quantity, ol.backordered, coalesce(sum(sl.quantity), 0) AS allocated
FROM order_lines ol JOIN orders o ON o.id = ol.order_id
LEFT JOIN shipment_lines sl ON sl.order_line_id = ol.id
     AND sl.shipment_id IN (SELECT id FROM shipments WHERE status <> 'cancelled')
WHERE o.status IN ('ready', 'allocated')
GROUP BY ol.id, ol.quantity, ol.backordered
HAVING coalesce(sum(sl.quantity), 0) + ol.backordered <> ol.quantity
"""


def assert_reservations_consistent(engine: Engine) -> None:
    """Reserved = what live allocations hold; every open order line allocated or backordered in full;
    every shipment's history leads to its status."""
    with engine.connect() as conn:
        reserved = conn.execute(text(RESERVED_VS_ALLOCATIONS)).all()
        lines = conn.execute(text(ORDER_LINES_ACCOUNTED)).all()
    assert reserved == [], f"reserved differs from allocations: {reserved}"
    assert lines == [], f"order lines neither allocated nor backordered: {lines}"
    assert_shipment_history_consistent(engine)


SHIPMENT_HISTORY = """
SELECT t.shipment_id, t.from_status, t.to_status,
       lag(t.to_status) OVER (PARTITION BY t.shipment_id ORDER BY t.id) AS before,
       row_number() OVER (PARTITION BY t.shipment_id ORDER BY t.id DESC) AS from_last
FROM shipment_transitions t
"""


def assert_shipment_history_consistent(engine: Engine) -> None:
    """Every shipment's history starts from nothing, each step is legal and starts where the last ended,
    and the last step is its status."""
    from wms.allocation.shipment_states import TRANSITIONS

    with engine.connect() as conn:
        steps = conn.execute(text(SHIPMENT_HISTORY)).all()
        status = dict(conn.execute(text("SELECT id, status FROM shipments")).all())
    last = {r.shipment_id: r.to_status for r in steps if r.from_last == 1}
    broken = [r for r in steps if r.from_status != r.before]
    illegal = [r for r in steps if r.from_status is not None and r.to_status not in TRANSITIONS[r.from_status]]
    assert broken == [], f"shipment history steps not chained: {broken}"
    assert illegal == [], f"illegal shipment transitions recorded: {illegal}"
    assert last == status, "a shipment's status differs from the end of its history"
