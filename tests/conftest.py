"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from WMS_TEST_POSTGRES_URL (default: the local server,
user postgres). Each test session makes its own database and drops it at
the end; tests start from empty tables. There is no silent skip: without
PostgreSQL the PostgreSQL half of the suite fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from wms.api.app import create_app
from wms.auth.keys import create_key
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory
from wms.inventory import stock
from wms.migrate import upgrade
from wms.models import Base
from wms.wiring import install as install_domain_events

install_domain_events()  # the use cases the tests call publish domain events
stock.CHECK_ORDER = True  # a stock row locked out of id order fails the test (wms/inventory/stock.py)

PG_SERVER_URL = os.environ.get("WMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("WMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"  # names what this test process creates on shared servers


@dataclass
class Backend:
    name: str
    settings: Settings
    engine: Engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(make_session_factory(self.engine), self.settings.db_retry_attempts)


@contextmanager
def own_pg_database(name: str) -> Iterator[str]:
    """A PostgreSQL database of this name, migrated, dropped at the end: its URL."""
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with own_pg_database(f"wms_test_{RUN}") as url:
        yield url


@pytest.fixture
def redis_queue() -> Iterator[tuple[str, str]]:
    """(Redis URL, an RQ queue name of this test alone); afterwards its keys, jobs and workers are deleted.

    The Redis server is shared with other programs: nothing that is not ours is flushed or deleted.
    """
    from redis import Redis

    name = f"wms-test-{RUN}-{uuid.uuid4().hex[:6]}"
    yield REDIS_URL, name
    redis = Redis.from_url(REDIS_URL)
    ours = set(redis.scan_iter(match=f"*{name}*"))
    for key in redis.scan_iter(match="rq:job:*"):
        if redis.type(key) == b"hash" and redis.hget(key, "origin") == name.encode():
            job_id = key.decode().removeprefix("rq:job:")
            ours |= {key, *redis.scan_iter(match=f"rq:*{job_id}*")}
    for key in redis.scan_iter(match="rq:worker:*"):
        if redis.type(key) == b"hash" and name.encode() in (redis.hget(key, "queues") or b"").split(b","):
            ours.add(key)
            redis.srem("rq:workers", key)
    if ours:
        redis.delete(*ours)
    redis.srem("rq:queues", f"rq:queue:{name}")
    redis.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name("template.db-wal").exists()
    return path


TABLES = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "outbox_counter")


def reset_postgres(engine: Engine) -> None:
    """Empty every table (TRUNCATE does not fire the ledger's row triggers)."""
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE outbox_counter SET last_seq = 0"))


@contextmanager
def open_backend(request: pytest.FixtureRequest, name: str, directory: Path, **settings: Any) -> Iterator[Backend]:
    """An empty database of the backend ``name`` (a copy of the template in ``directory``, or the session's
    PostgreSQL database emptied), with no webhook relay unless ``settings`` ask for one: webhooks some tests
    create must not be called."""
    if name == "sqlite":
        path = directory / "wms.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
    config = Settings(database_url=url, **{"webhook_relay_interval_s": 0, **settings})
    engine = make_engine(config)
    if name == "postgresql":
        reset_postgres(engine)
    try:
        yield Backend(name, config, engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request, request.param, tmp_path) as opened:
        yield opened


class Api:
    """A TestClient that sends one role's token and checks status codes."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, expect: int = 200, **params: object) -> dict:
        r = self.client.get(path, headers=self.headers, params={k: v for k, v in params.items() if v is not None})
        assert r.status_code == expect, r.text
        return r.json()

    def post(self, path: str, body: object = None, expect: int | None = 201, key: str | None = None) -> dict:
        """POST and check the status (``expect=None``: any 2xx)."""
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = key
        r = self.client.post(path, json=body, headers=headers)
        assert r.status_code == expect if expect is not None else 200 <= r.status_code < 300, r.text
        return r.json() if r.content else {}

    def all(self, path: str, **params: object) -> list[dict]:
        items, cursor = [], None
        while True:
            page = self.get(path, limit=500, cursor=cursor, **params)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items


@pytest.fixture
def client(backend: Backend) -> Iterator[TestClient]:
    with TestClient(create_app(backend.settings, backend.engine)) as c:
        yield c


def make_token(backend: Backend, role: str, warehouse: str | None = None) -> str:
    return create_key(backend.uow(), role, warehouse)[1]


@pytest.fixture
def admin(backend: Backend, client: TestClient) -> Api:
    return Api(client, make_token(backend, "admin"))


SMALL_LAYOUT = {
    "aisles": 3,
    "aisle_pitch_m": 3,
    "blocks": 2,
    "bays_per_block": 10,
    "bay_width_m": 1,
    "cross_aisle_width_m": 2,
    "levels": 1,
    "depot_x_m": 0,
}


@pytest.fixture
def warehouse(admin: Api) -> str:
    """A warehouse WH1 with the layout of layout.md's worked example and items A, B (B: 30 days shelf life)."""
    admin.post("/v1/warehouses", {"code": "WH1", "name": "Main", "layout": SMALL_LAYOUT})
    admin.post("/v1/items", {"sku": "A", "name": "Item A"})
    admin.post("/v1/items", {"sku": "B", "name": "Item B", "min_shelf_life_days": 30, "unit_volume_l": 0.5})
    return "WH1"
