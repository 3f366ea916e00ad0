"""When the service itself fails, the client still gets an answer on a connection that stays open.

- The database cannot serve (unreachable, restarting, out of connections, no schema yet): 503
  ``database_unavailable`` with ``Retry-After``. Nothing was changed; the service recovers by itself
  when the database is back (pooled connections are checked before use).
- The same after the request had committed work, or sent a COMMIT whose reply was lost: 503
  ``outcome_unknown`` with ``Retry-After``, since the work may be done (in whole or in part); a retry
  with the same Idempotency-Key settles it.
- Anything else unexpected: 500 ``internal_error``, logged. Starlette's own last-resort handler
  re-raises after answering, and the server then closes the keep-alive connection; ``KeepConnection``
  answers instead, inside it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wms.api.errors import error_response
from wms.db import committed_here, is_unavailable, track_commits

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5

UNAVAILABLE = {
    "description": "database unavailable: `database_unavailable`: nothing was done; retry after "
    "`Retry-After` seconds. `outcome_unknown`: the database failed after the request had "
    "committed work or while committing it, so it may be done, in whole or in part: retry "
    "with the same `Idempotency-Key` after `Retry-After` seconds, or look the result up",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


def failure_response(exc: Exception) -> JSONResponse:
    """503 when the database cannot serve (``outcome_unknown`` once the request committed work), else 500;
    logged either way."""
    if is_unavailable(exc) and committed_here():
        log.warning("database unavailable after the request committed work: %s", _first_line(exc))
        return error_response(
            503,
            "outcome_unknown",
            "the database failed after this request had committed work, or while committing it: "
            "it may have been carried out, in whole or in part; retry it with the same "
            f"Idempotency-Key in {RETRY_AFTER_S} s, or look its result up",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    if is_unavailable(exc):
        log.warning("database unavailable: %s", _first_line(exc))
        return error_response(
            503,
            "database_unavailable",
            f"the database is not available; nothing was done, retry in {RETRY_AFTER_S} s",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class KeepConnection:
    """ASGI middleware: an exception that reaches it becomes a 503 or 500 response, not a dropped connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        with track_commits():  # the handlers below run inside it: they see what this request committed
            try:
                await self.app(scope, receive, watch)
            except Exception as exc:
                if started:  # too late for another answer
                    raise
                await failure_response(exc)(scope, receive, send)


def install_failure_handlers(app: FastAPI) -> None:
    async def _failure(_: Request, exc: Exception) -> JSONResponse:
        return failure_response(exc)

    app.add_exception_handler(DBAPIError, _failure)  # more specific ones (DataError, IntegrityError) win
    app.add_exception_handler(PoolTimeout, _failure)
    app.add_middleware(KeepConnection)
