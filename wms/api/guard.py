"""The guard of every resource route: who calls (401), in which role (403), reaching where (403).

``admit`` runs before anything else the route does, before an ``Idempotency-Key`` is looked up (a revoked
token gets no replay). ``check_scope`` runs after the key is looked up (a retry gets its first answer) and
before the body is looked at (415 for one that is not JSON, FastAPI's parsing and validation). So a refused
call never learns whether its body was valid, and a bad body never hides a 401 or 403. The principal it
admits is what the route's ``require(...)`` dependency hands to the endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from wms.api.scope import BODY_FIELDS, QUERY_FIELDS, RESOURCES, Access, Reference, Settled, check_known, check_scope
from wms.auth.keys import Principal, authenticate
from wms.errors import Forbidden, Unauthorized

READING = ("GET", "HEAD")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def principal_of(request: Request) -> Principal:
    """The caller the route's guard admitted."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError(f"{request.url.path} is not guarded: serve it with wms.api.routing.ResourceRoute")
    return principal


def body_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a body annotation (``Cancel``, ``Cancel | None``), if it is one."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


@dataclass(frozen=True)
class Guard:
    """What one route checks: its access, and which of its path parameters and body fields name resources."""

    access: Access
    path_params: tuple[str, ...]
    body_fields: tuple[str, ...]
    validate_body: Callable[[Any], Any] | None  # the route's body validation: value or None when invalid

    async def admit(self, request: Request) -> None:
        """Who calls and in which role: 401, 403 ``role_forbidden``, else the principal for the endpoint."""
        token = bearer_token(request.headers.get("authorization"))
        request.state.principal = await run_in_threadpool(self._authenticate, request.app.state.point_reads, token)

    async def check_scope(self, request: Request) -> None:
        """What the request reaches, for a token limited to a warehouse: 403 ``warehouse_forbidden``."""
        principal = principal_of(request)
        if principal.warehouse_code is None:
            return
        settled: Settled | None = getattr(request.app.state, "settled", None)
        if not self.body_fields and settled is not None:  # path and query only: cheap to read here
            references = list(self._references(request, b""))
            reach = settled.known(references)
            if reach is not None:
                check_known(principal, self.access, references, reach)  # no database, no thread
                return
        body = await request.body() if self.body_fields else b""
        await run_in_threadpool(self._check, request.app.state.read_session_factory, principal, request, body, settled)

    def _authenticate(self, connect: Callable[[], Connection], token: str | None) -> Principal:
        if token is None:
            raise Unauthorized("missing bearer token", code="missing_token")
        with connect() as conn:
            principal = authenticate(conn, token)
        if principal is None:
            raise Unauthorized("invalid or revoked token", code="invalid_token")
        if principal.role not in self.access.roles:
            raise Forbidden(f"role {principal.role} may not do this", code="role_forbidden")
        return principal

    def _check(
        self,
        factory: sessionmaker[Session],
        principal: Principal,
        request: Request,
        body: bytes,
        settled: Settled | None,
    ) -> None:
        with factory() as session:
            check_scope(session, principal, self.access, self._references(request, body), settled)

    def _references(self, request: Request, body: bytes) -> Iterator[Reference]:
        changed = request.method not in READING
        for name in self.path_params:
            yield Reference(name, request.path_params[name], changed)
        for name in QUERY_FIELDS:
            for value in request.query_params.getlist(name):
                yield Reference(name, value)
        yield from self._body_references(body)

    def _body_references(self, body: bytes) -> Iterator[Reference]:
        """The body's reference fields as the endpoint would see them, whatever its Content-Type (so that a
        415 does not come before a 403); none from a body that is malformed or invalid (400 or 422 follow)."""
        if not body or self.validate_body is None:
            return
        try:
            value = self.validate_body(json.loads(body))
        except (ValueError, RecursionError):  # not JSON, or nested too deep: FastAPI's parsing answers
            return
        for name in self.body_fields:
            found = getattr(value, name, None)
            if found is not None:
                yield Reference(name, found)


def guard_for(
    access: Access,
    path_params: list[str],
    body_annotation: Any,
    validate: Callable[[Any], tuple[Any, list[Any]]] | None,
) -> Guard:
    """The guard of a route: its resource path parameters and the reference fields of its body model."""
    model = body_model(body_annotation)
    fields = tuple(f for f in BODY_FIELDS if model is not None and f in model.model_fields)

    def validate_body(raw: Any) -> Any:
        value, errors = validate(raw)  # type: ignore[misc]
        return None if errors else value

    return Guard(
        access,
        tuple(p for p in path_params if p in RESOURCES),
        fields,
        validate_body if fields and validate is not None else None,
    )
