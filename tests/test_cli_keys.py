"""``wms keys list`` and ``wms keys revoke``: an operator sees every token and can switch one off."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from wms.api.app import create_app
from wms.cli import app
from wms.config import Settings


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"WMS_DATABASE_URL": f"sqlite:///{tmp_path / 'wms.db'}"}


def wms(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_every_key_and_revoke_switches_one_off(db_env: dict[str, str]) -> None:
    code, out, _ = wms(db_env, "keys", "list")
    assert code == 0 and "wms keys create --role admin" in out  # nothing yet: says how to begin
    admin_token = wms(db_env, "keys", "create", "--role", "admin")[1].strip().splitlines()[-1]
    picker_token = wms(db_env, "keys", "create", "--role", "picker")[1].strip().splitlines()[-1]
    code, out, _ = wms(db_env, "keys", "list")
    assert code == 0
    header, first, second = out.strip().splitlines()
    assert header.split()[:5] == ["id", "prefix", "role", "warehouse", "created"] and header.rstrip().endswith("status")
    assert first.split()[:4] == ["1", admin_token[:10] + "…", "admin", "all"] and first.endswith("active")
    assert second.split()[:3] == ["2", picker_token[:10] + "…", "picker"]
    assert admin_token not in out and picker_token[10:] not in out  # never the token itself

    settings = Settings(database_url=db_env["WMS_DATABASE_URL"], webhook_relay_interval_s=0, wave_sweep_interval_s=0)
    with TestClient(create_app(settings)) as client:

        def status(token: str) -> int:
            return client.get("/v1/warehouses", headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(picker_token) == 200
        code, out, _ = wms(db_env, "keys", "revoke", "2")
        assert code == 0 and out.startswith("key 2 (") and "revoked at" in out and "already" not in out
        assert status(picker_token) == 401  # at once: tokens are checked on every request
        assert status(admin_token) == 200

    code, out, _ = wms(db_env, "keys", "revoke", "2")
    assert code == 0 and "was already revoked at" in out
    code, out, _ = wms(db_env, "keys", "list")
    rows = out.strip().splitlines()
    assert rows[1].endswith("active") and "revoked 20" in rows[2]


def test_revoking_an_unknown_key_is_refused_in_one_line(db_env: dict[str, str]) -> None:
    wms(db_env, "keys", "create", "--role", "erp")
    code, out, err = wms(db_env, "keys", "revoke", "99")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["error: no API key with id 99"]
    code, out, _ = wms(db_env, "keys", "list")
    assert out.strip().splitlines()[1].endswith("active")  # nothing changed
