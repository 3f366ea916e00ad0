"""When the service itself fails, the client still gets an answer on a connection that stays open.

- The database cannot serve (unreachable, restarting, out of connections, no schema yet): 503
  ``database_unavailable`` with ``Retry-After``. Nothing was changed; the service recovers by itself
  when the database is back (pooled connections are checked before use).
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
from wms.db import is_unavailable

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5

UNAVAILABLE = {"description": "database unavailable: nothing was done; retry after `Retry-After` seconds",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
               "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}}


def failure_response(exc: Exception) -> JSONResponse:
    """503 when the database cannot serve, else 500; logged either way."""
    if is_unavailable(exc):
        log.warning("database unavailable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        return error_response(503, "database_unavailable",
                              f"the database is not available; nothing was done, retry in {RETRY_AFTER_S} s",
                              headers={"Retry-After": str(RETRY_AFTER_S)})
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


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
