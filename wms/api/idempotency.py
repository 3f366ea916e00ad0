"""``Idempotency-Key`` on every POST.

The key is claimed inside the same transaction as the work it guards (a
``before_commit`` hook of the request's unit of work), so a request either
did its work and holds the key, or did neither. After the response is
produced it is stored with the key; the same key with the same body then
gets that response again, with another body a 409. Keys are scoped to the
caller's token and kept ``idempotency_ttl_hours``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from wms.api.errors import error_response
from wms.api.idempotency_orm import IdempotencyRecord
from wms.auth.keys import hash_token
from wms.errors import Conflict
from wms.orm import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


@dataclass
class Claim:
    scope: str
    key: str
    method: str
    path: str
    request_hash: str
    claimed: bool = False


_current: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def claim_hook() -> Callable[[Session], None] | None:
    claim = _current.get()
    if claim is None:
        return None

    def hook(session: Session) -> None:
        if claim.claimed:  # a later transaction of the same request: the key is ours already
            return
        insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        inserted = session.execute(
            insert_fn(IdempotencyRecord)
            .values(scope=claim.scope, key=claim.key, method=claim.method, path=claim.path,
                    request_hash=claim.request_hash, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(IdempotencyRecord.id)
        ).first()
        if inserted is None:
            raise Conflict("a request with this Idempotency-Key is being processed", code="idempotency_in_progress")
        claim.claimed = True

    return hook


KEY_DESCRIPTION = f"""Makes a retried POST safe. The same key with the same body (same path, same token) gets the
first successful response again, with the header `Idempotent-Replayed: true`, and nothing is done twice; the
same key with another body is a 409 `idempotency_key_reused`, and while the first request is still running a
409 `idempotency_in_progress`. Only 2xx responses are kept: after a 4xx the same key may be sent again.
Keys are 1 to {MAX_KEY_LENGTH} characters (400 `invalid_idempotency_key` otherwise), scoped to the token and
kept `WMS_IDEMPOTENCY_TTL_HOURS` (48 h by default); use a new one, e.g. a UUID, for every new operation."""


def idempotency_key(
    key: Annotated[str | None, Header(alias=HEADER, description=KEY_DESCRIPTION, min_length=1,
                                      max_length=MAX_KEY_LENGTH)] = None,
) -> None:
    """Declares the header in the OpenAPI document; ``IdempotentRoute`` reads it before the body is parsed."""


class IdempotentRoute(APIRoute):
    """A route whose POST honours ``Idempotency-Key`` (and declares it, so every POST's documentation shows it)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in {m.upper() for m in kwargs.get("methods") or ()}:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), Depends(idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def idempotent_handler(request: Request) -> Response:
            key = request.headers.get(HEADER)
            auth = request.headers.get("authorization", "")
            if request.method != "POST" or key is None or not auth.lower().startswith("bearer "):
                return await handler(request)
            if not 0 < len(key) <= MAX_KEY_LENGTH:
                return error_response(400, "invalid_idempotency_key", f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
            body = await request.body()
            digest = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()
            claim = Claim(hash_token(auth[7:].strip()), key, request.method, request.url.path, digest)
            factory = request.app.state.session_factory
            ttl = timedelta(hours=request.app.state.settings.idempotency_ttl_hours)
            replay = await run_in_threadpool(_lookup, factory, claim, ttl)
            if replay is not None:
                return replay
            token = _current.set(claim)
            try:
                response = await handler(request)
            finally:
                _current.reset(token)
            if claim.claimed and 200 <= response.status_code < 300:
                await run_in_threadpool(_store, factory, claim, response)
            return response

        return idempotent_handler


def _lookup(factory: sessionmaker[Session], claim: Claim, ttl: timedelta) -> Response | None:
    with factory() as session:
        rec = session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == claim.scope, IdempotencyRecord.key == claim.key)
        ).first()
        if rec is not None and rec.created_at < utcnow() - ttl:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == rec.id))
            session.commit()
            return None
        if rec is None:
            return None
        if rec.request_hash != claim.request_hash:
            return error_response(409, "idempotency_key_reused",
                                  f"{HEADER} was already used with another request")
        if rec.status_code is None or rec.response_body is None:
            return error_response(409, "idempotency_in_progress",
                                  "a request with this Idempotency-Key is being processed")
        return Response(rec.response_body, status_code=rec.status_code, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})


def _store(factory: sessionmaker[Session], claim: Claim, response: Response) -> None:
    with factory() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.scope == claim.scope, IdempotencyRecord.key == claim.key)
            .values(status_code=response.status_code, response_body=bytes(response.body).decode())
        )
        session.commit()


def purge_expired(factory: sessionmaker[Session], ttl_hours: int) -> int:
    with factory() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - timedelta(hours=ttl_hours))
        )
        session.commit()
        return result.rowcount
