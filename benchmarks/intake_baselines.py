"""Hand-written intake baselines on PostgreSQL: what the machine can do, to measure the service against.

Both take the generated orders into a database holding the generated world and reserve stock FEFO, with
plain psycopg and no ORM, no review, no events, no history:

* ``set_based``: ``batch`` orders per transaction. Orders and lines inserted in bulk, the free stock of
  every item of the batch locked in one statement, each order given to the lowest-id warehouse that can
  fill all of it with usable lots (earliest expiry first), shipments, their lines and allocations
  inserted in bulk, reservations raised with one ``UPDATE … FROM unnest(…)``.
* ``per_order``: the same, one transaction per order (the limit of one commit per order).

An order no warehouse can fill alone is left unallocated (no split, no merge): the baselines do less
than the service, which is what makes them limits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from wms.orders.commands import PushOrder
from wms.orders.intake import order_values

ORDER_COLUMNS = (
    "external_id, channel, customer_id, ship_to, merge_key, carrier, buyer_message, seller_remark, paid, paid_at, "
    "ship_by, promised_ship_by, status, line_count, unit_count, created_at, updated_at, payment_reminder_at"
)
FREE_STOCK = """
SELECT s.id, s.warehouse_id, s.item_id, s.on_hand - s.reserved, l.expiry_date, i.min_shelf_life_days
FROM stock s JOIN locations loc ON loc.id = s.location_id JOIN lots l ON l.id = s.lot_id JOIN items i ON i.id = s.item_id
WHERE s.item_id = ANY(%s) AND s.on_hand > s.reserved AND loc.kind = 'storage'
ORDER BY s.id FOR UPDATE OF s
"""


def dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def _rows(cmds: Sequence[PushOrder], now: datetime) -> list[tuple[Any, ...]]:
    out = []
    for c in cmds:
        v = order_values(c, now)
        v["ship_to"] = Jsonb(v["ship_to"])
        v["status"] = "ready" if c.paid else "awaiting_payment"
        out.append(tuple(v[k.strip()] for k in ORDER_COLUMNS.split(",")))
    return out


def _take(
    cmd: PushOrder, items: dict[str, int], free: dict[int, list[list[Any]]], today: date
) -> tuple[int, list[tuple[int, int, int]]] | None:
    """(warehouse, [(line no, stock id, units)]) from the lowest-id warehouse that fills every line FEFO."""
    ship = cmd.promised_ship_by.date()
    for wh in sorted({r[1] for ln in cmd.lines for r in free.get(items[ln.sku], ())}):
        taken: list[tuple[int, int, int]] = []
        for n, ln in enumerate(cmd.lines, start=1):
            need = ln.quantity
            rows = [
                r
                for r in free.get(items[ln.sku], ())
                if r[1] == wh and r[3] > 0 and (r[4] is None or (r[4] >= today and r[4] - ship >= timedelta(r[5])))
            ]
            for r in sorted(rows, key=lambda r: (r[4] is None, r[4] or date.max, -r[3], r[0])):
                if need == 0:
                    break
                q = min(need, r[3])
                taken.append((n, r[0], q))
                need -= q
            if need:
                break
        else:
            for n, sid, q in taken:
                next(r for r in free[items[cmd.lines[n - 1].sku]] if r[0] == sid)[3] -= q
            return wh, taken
    return None


def _batch(conn: psycopg.Connection, cmds: Sequence[PushOrder], items: dict[str, int]) -> int:
    """One transaction: the orders of ``cmds``; returns how many were allocated."""
    now, today = datetime.now(UTC), datetime.now(UTC).date()
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({', '.join(['%s'] * 18)}) RETURNING id",
            _rows(cmds, now),
            returning=True,
        )
        order_ids = [_one(cur) for _ in _results(cur)]
        line_params = [
            (oid, n, items[ln.sku], ln.quantity)
            for oid, c in zip(order_ids, cmds, strict=True)
            for n, ln in enumerate(c.lines, start=1)
        ]
        cur.executemany(
            "INSERT INTO order_lines (order_id, line_no, item_id, quantity, backordered) "
            "VALUES (%s, %s, %s, %s, 0) RETURNING id",
            line_params,
            returning=True,
        )
        line_ids = [_one(cur) for _ in _results(cur)]
        line_of = {(p[0], p[1]): lid for p, lid in zip(line_params, line_ids, strict=True)}
        cur.execute(FREE_STOCK, (sorted({items[ln.sku] for c in cmds for ln in c.lines}),))
        free: dict[int, list[list[Any]]] = defaultdict(list)
        for r in cur.fetchall():
            free[r[2]].append(list(r))
        plans = [(oid, c, _take(c, items, free, today)) for oid, c in zip(order_ids, cmds, strict=True)]
        plans = [(oid, c, p) for oid, c, p in plans if p is not None]
        if not plans:
            return 0
        cur.executemany(
            "INSERT INTO shipments (warehouse_id, status, merge_key, carrier, created_at) "
            "VALUES (%s, 'allocated', %s, %s, %s) RETURNING id",
            [(p[0], c.customer_id, c.carrier, now) for _, c, p in plans],
            returning=True,
        )
        shipment_ids = [_one(cur) for _ in _results(cur)]
        sl_params = [
            (sid, oid, line_of[(oid, n)], items[c.lines[n - 1].sku], q, stock_id)
            for sid, (oid, c, p) in zip(shipment_ids, plans, strict=True)
            for n, stock_id, q in p[1]
        ]
        cur.executemany(
            "INSERT INTO shipment_lines (shipment_id, order_id, order_line_id, item_id, quantity) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [p[:5] for p in sl_params],
            returning=True,
        )
        sl_ids = [_one(cur) for _ in _results(cur)]
        cur.executemany(
            "INSERT INTO allocations (shipment_line_id, stock_id, quantity) VALUES (%s, %s, %s)",
            [(sl, p[5], p[4]) for sl, p in zip(sl_ids, sl_params, strict=True)],
        )
        per_stock: dict[int, int] = defaultdict(int)
        for p in sl_params:
            per_stock[p[5]] += p[4]
        ids = sorted(per_stock)
        cur.execute(
            "UPDATE stock s SET reserved = s.reserved + v.q FROM unnest(%s::bigint[], %s::int[]) AS v(id, q) "
            "WHERE s.id = v.id",
            (ids, [per_stock[i] for i in ids]),
        )
        cur.execute("UPDATE orders SET status = 'allocated' WHERE id = ANY(%s)", ([oid for oid, _, _ in plans],))
        return len(plans)


def _results(cur: psycopg.Cursor) -> Iterator[None]:
    while True:
        yield None
        if not cur.nextset():
            return


def _one(cur: psycopg.Cursor) -> int:
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def run(url: str, cmds: Sequence[PushOrder], *, batch: int) -> int:
    """Push ``cmds`` ``batch`` per transaction (1: one per order); returns how many were allocated."""
    with psycopg.connect(dsn(url)) as conn:
        items = dict(conn.execute("SELECT sku, id FROM items").fetchall())
        return sum(_batch(conn, cmds[i : i + batch], items) for i in range(0, len(cmds), batch))
