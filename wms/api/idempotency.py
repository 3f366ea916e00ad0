"""``Idempotency-Key`` on every POST.

The key is claimed inside the same transaction as the work it guards (a
``before_commit`` hook of the request's unit of work), so a request either
did its work and holds the key, or did neither. After the response is
produced it is stored with the key; the same key with the same body then
gets that response again (with its ``Location`` header, if it had one), with another body a 409. Keys are scoped to the
caller's token and kept ``idempotency_ttl_hours``.

A request holds its key under a lease (``idempotency_lease_s``), renewed by
each of its transactions. A key whose request committed work but never
answered (the server died, or the database went away just after the
commit) is stuck only until the lease runs out; a retry then takes it over:
- on a route marked resumable (``RESUMABLE``: its work is safe to run again,
  as pushing an order is), the request runs again and answers;
- on any other route the work is known to be done but its answer was lost:
  409 ``idempotency_response_lost`` says so, and nothing is done twice.
A request that died before its first commit left no key at all.

A route marked atomic (``ATOMIC``: one unit of work whose result is its
answer, as confirming a pick is) keeps its key and its answer in that one
transaction: no look-up before the work, no transaction of its own after it.
The work's result is rendered as the route would answer it and written with
the key just before the commit (``answer_hook``); a key already there makes
the work roll back. Whenever such a route does not answer from its own
commit (an error, or the key was taken), the key is looked up and decides as
above: the first answer again, 409 ``idempotency_key_reused`` or
``idempotency_in_progress``. Its answer can never be lost after its work
committed, so a retry after a crash gets it at once, with no lease to wait
out.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Executable, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from wms.api.errors import error_response
from wms.auth.keys import hash_token
from wms.db import dialect_insert
from wms.errors import Conflict
from wms.idempotency_orm import IdempotencyRecord
from wms.orm import utcnow

log = logging.getLogger(__name__)
RESUMABLE = "x-idempotency-resumable"  # openapi_extra flag of a route whose work may run again after a crash
RESUMABLE_ROUTE = {RESUMABLE: True}  # @router.post(..., openapi_extra=RESUMABLE_ROUTE)
ATOMIC = "x-idempotency-atomic"  # openapi_extra flag of a route whose key and answer commit with its work
ATOMIC_ROUTE = {ATOMIC: True}  # @router.post(..., openapi_extra=ATOMIC_ROUTE)

HEADER = "Idempotency-Key"
IN_PROGRESS = "idempotency_in_progress"  # the code of a 409 for a key whose request is still running
MAX_KEY_LENGTH = 255


@dataclass
class Claim:
    scope: str
    key: str
    method: str
    path: str
    request_hash: str
    lease: timedelta
    claimed: bool = False
    attempt: int = 1
    lease_until: datetime | None = None
    # atomic routes: the work's result as the route answers it (status, body), the key's time to live, and
    # the body stored with the work once it is
    render: Callable[[object], tuple[int, bytes]] | None = None
    ttl: timedelta | None = None
    answer: bytes | None = None
    answer_status: int = 200

    @property
    def ref(self) -> str:
        """An id of this request for the records it creates (the same on every retry with the key)."""
        return hashlib.sha256(f"{self.scope}\n{self.key}".encode()).hexdigest()


T = TypeVar("T")

_current: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def current_request_ref() -> str | None:
    """The id of the request being served when it carries an Idempotency-Key (see ``Claim.ref``)."""
    claim = _current.get()
    return claim.ref if claim is not None else None


@dataclass(frozen=True)
class _Statements:
    """The key's two upserts, built once per dialect (only their parameters change): a claim (the key with
    its lease, or nothing if it is there) and an atomic route's answer (the key with the answer, or over an
    expired one)."""

    claim: Executable
    answer: Executable


_BUILT: dict[str, _Statements] = {}
_CLAIMED = ("scope", "key", "method", "path", "request_hash", "created_at", "locked_until", "attempt")
_ANSWERED = (*_CLAIMED, "status_code", "response_body")


def _statements(session: Session) -> _Statements:
    name = session.get_bind().dialect.name
    built = _BUILT.get(name)
    if built is None:
        table = IdempotencyRecord.__table__
        claim = dialect_insert(session, table).values({c: bindparam(c) for c in _CLAIMED})
        answer = dialect_insert(session, table).values({c: bindparam(c) for c in _ANSWERED})
        built = _BUILT[name] = _Statements(
            claim.on_conflict_do_nothing(index_elements=["scope", "key"]).returning(table.c.id),
            answer.on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={c: answer.excluded[c] for c in _ANSWERED[2:]},
                where=table.c.created_at < bindparam("expired_before"),
            ).returning(table.c.id),
        )
    return built


def _key_row(claim: Claim, now: datetime) -> dict[str, Any]:
    """The key's columns as a first attempt writes them (the claim and the answer add theirs)."""
    return {
        "scope": claim.scope,
        "key": claim.key,
        "method": claim.method,
        "path": claim.path,
        "request_hash": claim.request_hash,
        "created_at": now,
        "attempt": 1,
    }


def claim_hook() -> Callable[[Session], None] | None:
    claim = _current.get()
    if claim is None or claim.render is not None:  # an atomic route claims its key with its answer
        return None

    def hook(session: Session) -> None:
        now = utcnow()
        if claim.claimed:  # a later transaction of the same request: the key is ours, keep the lease
            if claim.lease_until is None or claim.lease_until - now < claim.lease / 2:
                _renew(session, claim, now)
            return
        row = {**_key_row(claim, now), "locked_until": now + claim.lease}
        inserted = session.connection().execute(_statements(session).claim, row).first()
        if inserted is None:
            raise Conflict("a request with this Idempotency-Key is being processed", code=IN_PROGRESS)
        claim.claimed, claim.lease_until = True, now + claim.lease

    return hook


def answer_hook() -> Callable[[Session, object], None] | None:
    """On an atomic route (``ATOMIC``): the hook that writes the key with the answer rendered from the work's
    result, in the work's transaction, just before it commits (``UnitOfWork.answer_hooks``). A key already
    there, and not expired, is a 409 that rolls the work back; the handler then answers from the key."""
    claim = _current.get()
    if claim is None or claim.render is None:
        return None
    render, ttl = claim.render, claim.ttl or timedelta(0)

    def hook(session: Session, result: object) -> None:
        claim.answer = None  # a retried transaction's answer is its own
        status, body = render(result)
        if not 200 <= status < 300:
            return
        now = utcnow()
        row = {**_key_row(claim, now), "locked_until": None, "status_code": status, "response_body": body.decode()}
        row["expired_before"] = now - ttl  # an expired key is used afresh
        stored = session.connection().execute(_statements(session).answer, row).first()
        if stored is None:
            raise Conflict("a request with this Idempotency-Key is being processed", code=IN_PROGRESS)
        claim.claimed, claim.answer, claim.answer_status = True, body, status

    return hook


def stored_answer(result: T) -> T | Response:
    """What an atomic route's endpoint returns: the answer its work stored with the key (``answer_hook``),
    as a response, so that it is rendered once; ``result`` itself when nothing was stored (no key)."""
    claim = _current.get()
    if claim is None or claim.answer is None:
        return result
    return Response(claim.answer, status_code=claim.answer_status, media_type="application/json")


def _renew(session: Session, claim: Claim, now: datetime) -> None:
    renewed = session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.scope == claim.scope,
            IdempotencyRecord.key == claim.key,
            IdempotencyRecord.attempt == claim.attempt,
        )
        .values(locked_until=now + claim.lease)
    ).rowcount  # type: ignore[attr-defined]  # DML gives a CursorResult; SQLAlchemy types it Result
    if renewed != 1:  # a retry took the key over while this request was stalled: it answers, not us
        raise Conflict("a retry with this Idempotency-Key took it over", code=IN_PROGRESS)
    claim.lease_until = now + claim.lease


KEY_DESCRIPTION = f"""Makes a retried POST safe. The same key with the same body (same path, same token) gets the
first successful response again, with the header `Idempotent-Replayed: true`, and nothing is done twice; the
same key with another body is a 409 `idempotency_key_reused`, and while the first request is still running a
409 `idempotency_in_progress` with `Retry-After`. Only 2xx responses are kept: after a 4xx the same key may be
sent again. If the service stopped after doing the work but before answering, the key is free again once the
first request's lease ran out (`WMS_IDEMPOTENCY_LEASE_S`, 30 s by default): a retry then runs again on the
operations whose work is safe to repeat (marked `x-idempotency-resumable`: pushing orders in bulk, ERP messages,
a wave, cancelling, changing a carrier) and answers as usual; on the others it gets 409 `idempotency_response_lost`
(the work was done once; look it up). Operations marked `x-idempotency-atomic` (pushing an order, confirming a
pick, reporting a short pick, packing, shipping) store the key and the answer with their work, in one
transaction: a retry always gets the first answer, at once. Keys are 1 to {MAX_KEY_LENGTH} characters (400 `invalid_idempotency_key`
otherwise), scoped to the token and kept `WMS_IDEMPOTENCY_TTL_HOURS` (48 h by default); use a new one, e.g. a
UUID, for every new operation."""


async def idempotency_key(
    key: Annotated[
        str | None, Header(alias=HEADER, description=KEY_DESCRIPTION, min_length=1, max_length=MAX_KEY_LENGTH)
    ] = None,
) -> None:
    """Declares the header in the OpenAPI document; ``IdempotentRoute`` reads it before the body is parsed."""


class IdempotentRoute(APIRoute):
    """A route whose POST honours ``Idempotency-Key`` (and declares it, so every POST's documentation shows it)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in {m.upper() for m in kwargs.get("methods") or ()}:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), Depends(idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def idempotent_handler(request: Request) -> Response:
            key = request.headers.get(HEADER)
            auth = request.headers.get("authorization", "")
            if request.method != "POST" or key is None or not auth.lower().startswith("bearer "):
                return await handler(request)
            if not 0 < len(key) <= MAX_KEY_LENGTH:
                return error_response(
                    400, "invalid_idempotency_key", f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters"
                )
            body = await request.body()
            digest = hashlib.sha256(
                request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
            ).hexdigest()
            settings = request.app.state.settings
            claim = Claim(
                hash_token(auth[7:].strip()),
                key,
                request.method,
                request.url.path,
                digest,
                timedelta(seconds=settings.idempotency_lease_s),
            )
            factory = request.app.state.session_factory
            resumable = bool((self.openapi_extra or {}).get(RESUMABLE))
            ttl = timedelta(hours=settings.idempotency_ttl_hours)
            if (self.openapi_extra or {}).get(ATOMIC):
                claim.render, claim.ttl = self.render_answer, ttl
                return await _atomic(handler, request, claim, factory)
            replay = await run_in_threadpool(_lookup, factory, claim, ttl, resumable)
            if isinstance(replay, StaleKey):  # the first attempt died after committing; may this caller go on?
                replay = (
                    await run_in_threadpool(_take_over, factory, claim, replay)
                    if await self.may_resume(request)
                    else response_lost(replay)
                )
            if replay is not None:
                return replay
            token = _current.set(claim)
            try:
                response = await handler(request)
            finally:
                _current.reset(token)
            if claim.claimed and 200 <= response.status_code < 300:
                try:
                    await run_in_threadpool(_store, factory, claim, response)
                except Exception:
                    log.warning(
                        "the answer to %s %s (Idempotency-Key) was not stored", claim.method, claim.path, exc_info=True
                    )
            return response

        return idempotent_handler

    async def may_resume(self, request: Request) -> bool:
        """Whether this caller may run a resumable request again whose first attempt died (a subclass checks
        what else the request needs, e.g. the warehouse scope, before the key is taken over)."""
        return True

    def render_answer(self, result: object) -> tuple[int, bytes]:
        """(status, body) of the answer to an endpoint's ``result``, as FastAPI renders it for this route
        (an atomic route stores it with its work: ``answer_hook``)."""
        if isinstance(result, Response):
            return result.status_code, bytes(result.body)
        status = self.status_code or 200
        field = self.response_field
        if field is None:
            return status, bytes(JSONResponse(jsonable_encoder(result)).body)
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:
            return 500, b""  # FastAPI will refuse it too; nothing is stored
        options: dict[str, Any] = {
            "include": self.response_model_include,
            "exclude": self.response_model_exclude,
            "by_alias": self.response_model_by_alias,
            "exclude_unset": self.response_model_exclude_unset,
            "exclude_defaults": self.response_model_exclude_defaults,
            "exclude_none": self.response_model_exclude_none,
        }
        if isinstance(self.response_class, DefaultPlaceholder):  # FastAPI's own fast path
            return status, field.serialize_json(value, **options)
        return status, bytes(self.response_class(field.serialize(value, **options), status_code=status).body)


async def _atomic(
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    request: Request,
    claim: Claim,
    factory: sessionmaker[Session],
) -> Response:
    """An atomic route's request (``ATOMIC``): the work runs and stores its answer with the key; if it did
    not (it failed, or the key was there already), the key is looked up and answers if it can."""
    token = _current.set(claim)
    try:
        response = await handler(request)
    except Exception:  # the error handlers answer it, unless the key does
        try:
            replay = await run_in_threadpool(_lookup_atomic, factory, claim)
        except Exception:
            log.warning(
                "the Idempotency-Key of a failed %s %s was not looked up", claim.method, claim.path, exc_info=True
            )
            replay = None
        if replay is None:
            raise
        return replay
    finally:
        _current.reset(token)
    if claim.answer is not None:
        if bytes(response.body) != claim.answer:  # the endpoint answered other than its work's result
            log.warning("%s %s answered other than its work's result; storing its answer", claim.method, claim.path)
            await run_in_threadpool(_store, factory, claim, response)
        return response
    replay = await run_in_threadpool(_lookup_atomic, factory, claim)
    return replay if replay is not None else response


def _lookup_atomic(factory: sessionmaker[Session], claim: Claim) -> Response | None:
    """``_lookup`` for an atomic route: its work has run already, so a stale key (left by a request that
    held it under a lease) is a lost answer, never a key to take over."""
    found = _lookup(factory, claim, claim.ttl or timedelta(0), False)
    return response_lost(found) if isinstance(found, StaleKey) else found


@dataclass(frozen=True)
class StaleKey:
    """A key whose request committed work, never answered, and whose lease ran out."""

    id: int
    attempt: int
    created_at: datetime


def response_lost(stale: StaleKey) -> Response:
    return error_response(
        409,
        "idempotency_response_lost",
        f"the request with this {HEADER} was carried out, but the service stopped before "
        "answering it; look its result up instead of sending it again",
        {"first_attempt_at": stale.created_at.isoformat()},
    )


def _lookup(
    factory: sessionmaker[Session], claim: Claim, ttl: timedelta, resumable: bool
) -> Response | StaleKey | None:
    """The stored answer, a 409, a stale key a resumable route may take over, or None to go on."""
    with factory() as session:
        rec = session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == claim.scope, IdempotencyRecord.key == claim.key)
        ).first()
        now = utcnow()
        if rec is not None and rec.created_at < now - ttl:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == rec.id))
            session.commit()
            return None
        if rec is None:
            return None
        if rec.request_hash != claim.request_hash:
            return error_response(409, "idempotency_key_reused", f"{HEADER} was already used with another request")
        if rec.status_code is not None and rec.response_body is not None:
            headers = {"Idempotent-Replayed": "true"}
            if rec.location is not None:  # a 202's job, a 201's new resource
                headers["Location"] = rec.location
            return Response(
                rec.response_body, status_code=rec.status_code, media_type="application/json", headers=headers
            )
        if rec.locked_until is not None and rec.locked_until > now:
            wait = max(1, int((rec.locked_until - now).total_seconds()) + 1)
            return error_response(
                409,
                IN_PROGRESS,
                f"a request with this {HEADER} is being processed; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        stale = StaleKey(rec.id, rec.attempt, rec.created_at)
        return stale if resumable else response_lost(stale)


def _take_over(factory: sessionmaker[Session], claim: Claim, stale: StaleKey) -> Response | None:
    """Take a stale key over for ``claim``: only one retry does, and never one whose lease was renewed
    meanwhile (a slow original still alive keeps it); else 409."""
    now = utcnow()
    with factory() as session:
        taken = session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == stale.id,
                IdempotencyRecord.attempt == stale.attempt,
                IdempotencyRecord.status_code.is_(None),
                or_(IdempotencyRecord.locked_until.is_(None), IdempotencyRecord.locked_until <= now),
            )
            .values(attempt=stale.attempt + 1, locked_until=now + claim.lease)
        ).rowcount  # type: ignore[attr-defined]  # as in _renew
        session.commit()
    if taken != 1:
        return error_response(
            409, IN_PROGRESS, f"a request with this {HEADER} is being processed", headers={"Retry-After": "1"}
        )
    claim.claimed, claim.attempt, claim.lease_until = True, stale.attempt + 1, now + claim.lease
    return None


def _store(factory: sessionmaker[Session], claim: Claim, response: Response) -> None:
    with factory() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.scope == claim.scope,
                IdempotencyRecord.key == claim.key,
                IdempotencyRecord.attempt == claim.attempt,
            )
            .values(
                status_code=response.status_code,
                response_body=bytes(response.body).decode(),
                location=response.headers.get("location"),
                locked_until=None,
            )
        )
        session.commit()


def purge_expired(factory: sessionmaker[Session], ttl_hours: int) -> int:
    with factory() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - timedelta(hours=ttl_hours))
        )
        session.commit()
        return result.rowcount  # type: ignore[attr-defined]  # as in _renew
