"""The database goes away and comes back under a live server: 503 with Retry-After on a connection
that stays open, never a 500; /healthz stays 200, /readyz says 503; the service recovers by itself.
PostgreSQL, reached through a proxy the test cuts (the real server is shared and stays up)."""

from __future__ import annotations

import http.client
import json
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import Backend, make_token
from tests.live_server import live_server
from tests.tcp_proxy import TcpProxy
from wms.db import make_engine


class Connection:
    """One keep-alive HTTP connection; ``reopened`` counts how often the server closed it."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.sock: object = None
        self.reopened = -1

    def request(self, method: str, path: str, body: object = None) -> tuple[int, dict, dict]:
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
        if self.conn.sock is not self.sock:
            self.sock, self.reopened = self.conn.sock, self.reopened + 1
        response = self.conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        return response.status, dict(response.getheaders()), payload


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # an SQLite file cannot become unreachable
def test_a_database_outage_is_503_on_an_open_connection_and_the_service_recovers(backend: Backend) -> None:
    url = make_url(backend.settings.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    settings = backend.settings.model_copy(
        update={"database_url": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)}
    )
    engine = make_engine(settings)
    token = make_token(backend, "admin")
    try:
        with live_server(settings, engine) as base:
            client = Connection(base, token)
            assert (
                client.request(
                    "POST",
                    "/v1/warehouses",
                    {
                        "code": "WH1",
                        "name": "w",
                        "layout": {
                            "aisles": 2,
                            "aisle_pitch_m": 3,
                            "blocks": 1,
                            "bays_per_block": 4,
                            "bay_width_m": 1,
                            "cross_aisle_width_m": 2,
                            "levels": 1,
                            "depot_x_m": 0,
                        },
                    },
                )[0]
                == 201
            )
            assert client.request("GET", "/readyz")[0] == 200

            proxy.cut()
            calls = [
                ("GET", "/v1/warehouses", None),
                ("GET", "/v1/stock", None),
                ("POST", "/v1/items", {"sku": "TEA", "name": "Tea"}),
                (
                    "POST",
                    "/v1/warehouses",
                    {
                        "code": "WH2",
                        "name": "w",
                        "layout": {
                            "aisles": 2,
                            "aisle_pitch_m": 3,
                            "blocks": 1,
                            "bays_per_block": 4,
                            "bay_width_m": 1,
                            "cross_aisle_width_m": 2,
                            "levels": 1,
                            "depot_x_m": 0,
                        },
                    },
                ),
            ] * 5
            for method, path, body in calls:
                status, headers, payload = client.request(method, path, body)
                assert status == 503, payload
                assert payload["error"]["code"] == "database_unavailable" and int(headers["retry-after"]) > 0
            assert client.request("GET", "/healthz")[0] == 200
            status, headers, ready = client.request("GET", "/readyz")
            assert status == 503 and ready["checks"]["database"].startswith("unreachable") and "retry-after" in headers

            proxy.restore()
            deadline = time.time() + 30
            while (status := client.request("GET", "/v1/warehouses")[0]) != 200 and time.time() < deadline:
                time.sleep(0.2)
            assert status == 200
            assert client.request("GET", "/readyz")[0] == 200
            assert client.request("POST", "/v1/items", {"sku": "TEA", "name": "Tea"})[0] == 201
            assert client.reopened == 0  # one connection served every answer
    finally:
        proxy.close()
        engine.dispose()
    with backend.engine.connect() as conn:  # nothing the refused requests sent was written
        assert conn.execute(text("SELECT count(*) FROM warehouses")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM items")).scalar_one() == 1


def test_an_empty_database_is_not_ready_and_requests_get_503(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from wms.api.app import create_app
    from wms.config import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/empty.db", webhook_relay_interval_s=0, wave_sweep_interval_s=0
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["schema"].startswith("missing")
        r = client.get("/v1/warehouses", headers={"Authorization": "Bearer wms_x"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"


def test_an_unexpected_error_is_a_500_on_a_connection_that_stays_open(backend: Backend, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from wms.api.routers import warehouses

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(warehouses, "create_warehouse", broken)
    token = make_token(backend, "admin")
    with live_server(backend.settings, backend.engine) as base:
        client = Connection(base, token)
        for _ in range(3):
            status, _, payload = client.request(
                "POST",
                "/v1/warehouses",
                {
                    "code": "WH1",
                    "name": "w",
                    "layout": {
                        "aisles": 2,
                        "aisle_pitch_m": 3,
                        "blocks": 1,
                        "bays_per_block": 4,
                        "bay_width_m": 1,
                        "cross_aisle_width_m": 2,
                        "levels": 1,
                        "depot_x_m": 0,
                    },
                },
            )
            assert status == 500 and payload["error"]["code"] == "internal_error"
        assert client.request("GET", "/v1/warehouses")[0] == 200
        assert client.reopened == 0
