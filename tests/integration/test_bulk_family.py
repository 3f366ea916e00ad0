"""``wms.bulk.insert_family``: parents and their children in one statement on PostgreSQL (two on SQLite), each
child linked to the parent it names by position, ids in row order on both sides."""

from __future__ import annotations

from sqlalchemy import event, select

from tests.conftest import SMALL_LAYOUT, Backend
from wms.allocation.orm import Shipment, ShipmentTransition
from wms.bulk import insert_family
from wms.db import make_session_factory
from wms.inventory.commands import CreateWarehouse
from wms.inventory.warehouses import create_warehouse
from wms.orm import utcnow


def test_children_are_linked_to_the_parent_they_name_and_ids_come_back_in_row_order(backend: Backend) -> None:
    wh, _ = create_warehouse(
        CreateWarehouse.model_validate({"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT}), backend.uow(), 10_000
    )
    now = utcnow()
    parents = [
        {"warehouse_id": wh.id, "status": "allocated", "merge_key": f"k{n}", "carrier": "dhl", "created_at": now}
        for n in range(7)
    ]
    # parent 3 has none, parent 5 has three, the children out of parent order
    named = [6, 0, 5, 1, 5, 2, 4, 5]
    children = [
        {
            "shipment_id": k,
            "from_status": None,
            "to_status": "allocated",
            "cause": f"child {n} of {k}",
            "actor": "t",
            "at": now,
        }
        for n, k in enumerate(named)
    ]
    factory = make_session_factory(backend.engine)
    for _ in range(2):  # a second family: row_number must count within the statement, not the table
        with factory() as s:
            statements: list[str] = []

            def count(*args: object) -> None:
                statements.append(str(args[2]))

            event.listen(s.get_bind(), "before_cursor_execute", count)
            ids, child_ids = insert_family(
                s, Shipment.__table__, parents, ShipmentTransition.__table__, children, link="shipment_id"
            )
            event.remove(s.get_bind(), "before_cursor_execute", count)
            s.commit()
        if backend.name == "postgresql":
            assert len(statements) == 1
        assert ids == sorted(ids) and len(set(ids)) == len(parents)
        assert child_ids == sorted(child_ids) and len(set(child_ids)) == len(children)
        with factory() as s:
            keys = {
                r.id: r.merge_key
                for r in s.execute(select(Shipment.id, Shipment.merge_key).where(Shipment.id.in_(ids)))
            }
            assert [keys[i] for i in ids] == [p["merge_key"] for p in parents]
            got = s.execute(
                select(ShipmentTransition.id, ShipmentTransition.shipment_id, ShipmentTransition.cause)
                .where(ShipmentTransition.id.in_(child_ids))
                .order_by(ShipmentTransition.id)
            ).all()
            assert [(r.id, r.shipment_id, r.cause) for r in got] == [
                (cid, ids[c["shipment_id"]], c["cause"]) for cid, c in zip(child_ids, children, strict=True)
            ]
