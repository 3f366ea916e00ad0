"""Fixtures of the on-demand benchmarks: the generated world, and fresh databases holding it.

A world (warehouses, items, stock) is loaded once per backend into a
template: an SQLite file, or a PostgreSQL database. Every benchmark round
then starts from a fresh copy (file copy / ``CREATE DATABASE … TEMPLATE``),
so all rounds and both backends start from the same state. Everything made
here is dropped at the end of the session.

PostgreSQL comes from ``WMS_TEST_POSTGRES_URL`` (default: the local server,
user postgres), as for the tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.generate import make_orders, make_world
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory
from wms.inventory import stock
from wms.inventory.commands import CreateItem, CreateWarehouse, Receive
from wms.inventory.movements import receive
from wms.inventory.warehouses import create_item, create_warehouse
from wms.migrate import upgrade
from wms.wiring import install as install_domain_events

install_domain_events()  # the use cases the tests call publish domain events
stock.CHECK_ORDER = True  # a stock row locked out of id order fails the request (a 5xx the soaks count)

PG_SERVER_URL = os.environ.get("WMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

N_ORDERS = int(os.environ.get("WMS_BENCH_ORDERS", "2000"))  # orders per intake round
N_SKUS = int(os.environ.get("WMS_BENCH_SKUS", "2000"))
N_WAREHOUSES = 5
WORLD_SEED, ORDER_SEED = 20240601, 20240602


def load_world(engine: Engine, settings: Settings, world: dict[str, Any]) -> None:
    """Warehouses, items and receipts through the use cases (what the API's POSTs call)."""
    uow = UnitOfWork(make_session_factory(engine), settings.db_retry_attempts)
    for wh in world["warehouses"]:
        create_warehouse(CreateWarehouse.model_validate(wh), uow, settings.max_locations_per_warehouse)
    for item in world["items"]:
        create_item(CreateItem.model_validate(item), uow)
    for r in world["receipts"]:
        receive(Receive.model_validate(r), uow, "bench-setup")


@dataclass
class Database:
    backend: str
    settings: Settings
    engine: Engine
    drop: Any = None  # callable

    def uow(self) -> UnitOfWork:
        return UnitOfWork(make_session_factory(self.engine), self.settings.db_retry_attempts)

    def close(self) -> None:
        self.engine.dispose()
        if self.drop is not None:
            self.drop()
            self.drop = None


@dataclass
class Templates:
    """Makes fresh databases from a per-backend template holding the world."""

    tmp: Path
    world: dict[str, Any]
    made: dict[str, Any] = field(default_factory=dict)  # backend → sqlite path | pg database name
    live: list[Database] = field(default_factory=list)

    def _admin(self) -> Engine:
        return create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")

    def _template(self, backend: str) -> Any:
        if backend in self.made:
            return self.made[backend]
        if backend == "sqlite":
            path = self.tmp / "template.db"
            settings = Settings(database_url=f"sqlite:///{path}")
            engine = make_engine(settings)
            upgrade(engine)
            load_world(engine, settings, self.world)
            engine.dispose()  # checkpoints the WAL into the file
            self.made[backend] = path
        else:
            name = f"wms_bench_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.made[backend] = name  # dropped at the end even if loading fails
            settings = Settings(database_url=self._pg_url(name))
            engine = make_engine(settings)
            upgrade(engine)
            load_world(engine, settings, self.world)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            engine.dispose()
        return self.made[backend]

    @staticmethod
    def _pg_url(name: str) -> str:
        return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)

    def fresh(self, backend: str) -> Database:
        """A new database with the world and nothing else; closed and dropped by ``close`` or at the end."""
        template = self._template(backend)
        if backend == "sqlite":
            path = self.tmp / f"run_{uuid.uuid4().hex[:8]}.db"
            shutil.copy(template, path)
            settings = Settings(database_url=f"sqlite:///{path}")

            def drop() -> None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            name = f"wms_bench_run_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            admin.dispose()
            settings = Settings(database_url=self._pg_url(name))

            def drop() -> None:
                admin = self._admin()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

        db = Database(backend, settings, make_engine(settings), drop)
        self.live.append(db)
        return db

    def cleanup(self) -> None:
        for db in self.live:
            db.close()
        if "postgresql" in self.made:
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.made["postgresql"]}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def world() -> dict[str, Any]:
    return make_world(WORLD_SEED, n_warehouses=N_WAREHOUSES, n_skus=N_SKUS, expected_orders=N_ORDERS)


@pytest.fixture(scope="session")
def orders(world: dict[str, Any]) -> list[dict[str, Any]]:
    return make_orders(world, N_ORDERS, seed=ORDER_SEED)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, world: dict[str, Any]) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("bench"), world)
    try:
        yield t
    finally:
        t.cleanup()
