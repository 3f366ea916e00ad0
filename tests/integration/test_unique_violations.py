"""A unique violation inside a unit of work is a 409 naming what exists, once, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import Backend
from wms.api.app import create_app
from wms.db import UnitOfWork
from wms.errors import Duplicate
from wms.inventory.orm import Item, Location, Warehouse

LAYOUT = {"aisles": 1}


def _warehouse(backend: Backend) -> int:
    def work(u: UnitOfWork) -> int:
        wh = Warehouse(code="WH1", name="w", layout=LAYOUT)
        u.session.add(wh)
        u.session.flush()
        return wh.id

    return backend.uow().run(work)


def test_a_duplicate_is_not_retried_and_names_table_columns_and_values(backend: Backend) -> None:
    wh = _warehouse(backend)
    row = {"warehouse_id": wh, "code": "X, 1", "kind": "storage", "x_m": 0.0, "y_m": 0.0}
    backend.uow().run(lambda u: u.session.execute(insert(Location), [row]))
    calls = []

    def again(u: UnitOfWork) -> None:
        calls.append(1)
        u.session.add(Location(**row))
        u.session.flush()

    with pytest.raises(Duplicate) as raised:
        backend.uow().run(again)
    assert len(calls) == 1  # a deadlock is retried, a duplicate is not: it would fail the same way
    err = raised.value
    assert err.code == "already_exists"
    assert err.details == {"resource": "locations", "warehouse_id": wh, "code": "X, 1"}
    assert err.message == f"locations with warehouse_id={wh}, code=X, 1 exists already"
    assert backend.engine.pool.checkedout() == 0
    with backend.engine.connect() as conn:  # the connection went back usable, the transaction rolled back
        assert conn.execute(text("SELECT count(*) FROM locations")).scalar() == 1


def test_a_named_resource_says_what_exists(backend: Backend) -> None:
    backend.uow().run(lambda u: u.session.add(Item(sku="SKU 1", name="a", barcode="123")))
    with pytest.raises(Duplicate) as raised:
        backend.uow().run(lambda u: u.session.add(Item(sku="SKU 2", name="b", barcode="123")))
    assert (raised.value.code, raised.value.message) == ("barcode_exists", "barcode 123 belongs to another item")
    assert raised.value.details == {"resource": "item", "barcode": "123"}


def test_other_integrity_errors_stay_what_they_are(backend: Backend) -> None:
    row = {"warehouse_id": 999, "code": "X", "kind": "storage", "x_m": 0.0, "y_m": 0.0}
    with pytest.raises(IntegrityError):  # a foreign key to nothing is a bug, not a conflict
        backend.uow().run(lambda u: u.session.execute(insert(Location), [row]))


def test_a_duplicate_outside_a_unit_of_work_is_a_409_too(backend: Backend) -> None:
    """The API maps a unique violation the same way when it comes from a session of its own."""
    app = create_app(backend.settings, backend.engine)

    @app.post("/test-duplicate")
    def duplicate() -> None:
        with app.state.session_factory() as session:
            session.add_all([Warehouse(code="WH7", name=name, layout=LAYOUT) for name in ("a", "b")])
            session.commit()

    with TestClient(app) as client:
        r = client.post("/test-duplicate")
    assert r.status_code == 409, r.text
    assert r.json()["error"] == {
        "code": "warehouse_exists",
        "message": "warehouse WH7 exists already",
        "details": {"resource": "warehouse", "code": "WH7"},
    }
