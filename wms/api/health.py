"""Liveness and readiness, for load balancers and monitoring (no token).

``/healthz``: the process runs (it touches nothing else, so a database outage never restarts the
service). ``/readyz``: the database answers with its schema at this install's newest migration,
and Redis answers when one is configured; otherwise 503 with what is wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from wms.api.failures import RETRY_AFTER_S
from wms.db import READ_ONLY
from wms.migrate import current_revision

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])
REDIS_TIMEOUT_S = 2.0


class Health(BaseModel):
    status: str = Field(description="`ok` while the process runs.")
    kernels: str = Field(
        description="Routing and wave kernels: `compiling` (requests that need one wait "
        "for it), `ready`, or `failed` (each request compiles what it needs)."
    )


class Readiness(BaseModel):
    status: str = Field(description="`ready`, or `not_ready` (answered with 503).")
    checks: dict[str, str] = Field(
        description="Each dependency: `ok`, or what is wrong with it.",
        examples=[{"database": "ok", "schema": "ok", "redis": "ok"}],
    )


@router.get("/healthz", response_model=Health, summary="Is the process up")
def healthz(request: Request) -> Health:
    """200 while the process runs, whatever the database does (use `/readyz` to route traffic), also
    while the routing and wave kernels still compile after an install (`kernels` says which)."""
    kernels = getattr(request.app.state, "kernels", None)
    return Health(status="ok", kernels=kernels.state if kernels is not None else "compiling")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Can the service serve requests",
    responses={503: {"model": Readiness, "description": "not ready: `checks` says why"}},
)
def readyz(request: Request, response: Response) -> Readiness:
    """200 while the database answers with its schema at the newest migration of this install, and
    Redis answers when `WMS_REDIS_URL` is set; else 503 with `Retry-After` and what is wrong."""
    state = request.app.state
    checks = database_checks(state.engine.execution_options(**{READ_ONLY: True}), state.head_revision)
    if state.settings.redis_url:
        checks["redis"] = redis_check(state.settings.redis_url)
    ready = all(v == "ok" for v in checks.values())
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return Readiness(status="ready" if ready else "not_ready", checks=checks)


def database_checks(engine: Engine, head: str) -> dict[str, str]:
    try:
        current = current_revision(engine)
    except Exception as exc:
        log.warning("readiness: the database is unreachable: %s", _first_line(exc))
        return {"database": "unreachable", "schema": "unknown"}  # hosts and users are for the log, not the world
    if current is None:
        return {"database": "ok", "schema": f"missing: run `wms migrate` (newest migration {head})"}
    if current != head:
        return {"database": "ok", "schema": f"at {current}, this install needs {head}: run `wms migrate`"}
    return {"database": "ok", "schema": "ok"}


def redis_check(url: str) -> str:
    from redis import Redis  # noqa: PLC0415

    client: Any = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)
    try:
        client.ping()
        return "ok"
    except Exception as exc:
        log.warning("readiness: Redis is unreachable: %s", _first_line(exc))
        return "unreachable"
    finally:
        client.close()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
