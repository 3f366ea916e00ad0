"""Every operation of the OpenAPI document, called by every kind of caller against real resources.

The document is the expectation. Each operation says which roles may call it ("**Roles:** `admin`, …") and
whether it spans every warehouse ("**Warehouse scope:** every warehouse …"); its path parameters name
resources of warehouse BER1 (``tests/api/access_world.py``), and so do the ``warehouse`` and ``order_id``
of its body. So, for every operation:

- no token, a malformed one, another scheme, a revoked token: 401, also with a bad body (auth comes first);
- every role it does not list: 403 ``role_forbidden``;
- a token limited to HAM2 of a role it lists: 403 ``warehouse_forbidden`` where it names BER1's resources
  or spans every warehouse; a list answers, showing nothing of BER1 or of orders in no warehouse;
- a token limited to BER1: 403 ``warehouse_forbidden`` only for an operation that spans every warehouse;

and none of these refused calls changes a row of any table. Then every role it lists, unscoped and limited to
BER1, is admitted (no 401, no 403 but the floor's own ``pick_list_of_another_picker`` and
``task_of_another_worker``, no 5xx; a body reaches validation). A new operation is called the same way as soon as it is in the document;
one whose path parameter or body this test cannot fill fails here until ``access_world.py`` knows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from tests.api.access_world import HOME, MARKERS, OTHER, World, build
from tests.conftest import open_backend
from tests.invariants import database_state
from wms.api.app import create_app
from wms.api.deps import require
from wms.api.routing import resource_router
from wms.auth.keys import ROLES, Principal

ROLES_DECLARED = re.compile(r"\*\*Roles:\*\* (`[a-z]+`(?:, `[a-z]+`)*)\.")
EVERY_WAREHOUSE = "**Warehouse scope:** every warehouse"
SHARED_PARAMS = {"sku"}  # items are the same in every warehouse: GET /items/{sku} is nobody's warehouse's
DOMAIN_403 = {"pick_list_of_another_picker", "task_of_another_worker"}  # a listed role, refused by the floor


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    roles: tuple[str, ...]
    every_warehouse: bool
    body: dict[str, Any] | None
    warehouse_query: bool  # a list with a ?warehouse= filter

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def names_home(self) -> bool:
        """It names resources of BER1: in its path, or a warehouse or order in its body."""
        params = set(re.findall(r"{(\w+)}", self.path)) - SHARED_PARAMS
        return bool(params) or bool(self.body and {"warehouse", "order_id"} & set(self.body))


def operations(world: World) -> list[Operation]:
    found = []
    for path, item in world.doc["paths"].items():
        for method, op in item.items():
            declared = ROLES_DECLARED.search(op.get("description", ""))
            if not path.startswith("/v1/"):
                assert declared is None, f"{method} {path}"
                continue
            assert declared, f"{method.upper()} {path} does not say which roles may call it"
            missing = set(re.findall(r"{(\w+)}", path)) - set(world.params)
            assert not missing, f"{method.upper()} {path}: give {missing} a resource in access_world.py"
            body = world.body(method, path) if "requestBody" in op else None
            assert body is not None or not op.get("requestBody", {}).get("required"), (
                f"{method.upper()} {path}: give it a body in access_world.BODIES"
            )
            found.append(
                Operation(
                    method,
                    path,
                    tuple(declared.group(1).replace("`", "").split(", ")),
                    EVERY_WAREHOUSE in op["description"],
                    body,
                    any(p["name"] == "warehouse" and p["in"] == "query" for p in op.get("parameters", [])),
                )
            )
    return found


@dataclass
class Ctx:
    client: TestClient
    world: World
    engine: Engine
    keys: Iterator[int]

    def send(
        self, op: Operation, auth: str | None, body: str = "valid", query: dict[str, str] | None = None
    ) -> Response:
        """Call ``op`` with an ``Authorization`` header (None: without) and a body: ``valid``, ``invalid``
        (an unknown field), ``malformed`` (not JSON) or ``text`` (valid JSON sent as text/plain)."""
        headers = {} if auth is None else {"Authorization": auth}
        content = None
        if op.body is not None:
            raw = {"valid": op.body, "text": op.body, "invalid": {**op.body, "unexpected": 1}}.get(body)
            content = json.dumps(raw).encode() if raw is not None else b'{"oops'
            headers["Content-Type"] = "text/plain" if body == "text" else "application/json"
        if op.method == "post":
            headers["Idempotency-Key"] = f"access-{next(self.keys)}"
        url = op.path.format(**self.world.params)
        return self.client.request(op.method, url, headers=headers, content=content, params=query)

    def bearer(self, label: str) -> str:
        return f"Bearer {self.world.tokens[label]}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ctx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    """One world per backend for the whole module: building it is the slow part."""
    directory: Path = tmp_path_factory.mktemp(f"access-{request.param}")
    with (
        open_backend(request, request.param, directory, wave_sweep_interval_s=0) as backend,
        TestClient(create_app(backend.settings, backend.engine)) as client,
    ):
        yield Ctx(client, build(backend, client), backend.engine, iter(range(1, 10**9)))


def error_code(r: Response) -> str | None:
    try:
        return r.json()["error"]["code"]  # type: ignore[no-any-return]
    except (ValueError, KeyError, TypeError):
        return None


def refusals(ctx: Ctx, op: Operation) -> Iterator[tuple[str, Response, int, str]]:
    """(who, response, expected status, expected code) of every call ``op`` must refuse."""
    yield "no token", ctx.send(op, None), 401, "missing_token"
    yield "no token, a bad body", ctx.send(op, None, "invalid"), 401, "missing_token"
    yield (
        "a malformed token, a body that is not JSON",
        ctx.send(op, "Bearer not-a-token", "malformed"),
        401,
        "invalid_token",
    )
    yield "another scheme, a text body", ctx.send(op, "Basic YWRtaW46YWRtaW4=", "text"), 401, "missing_token"
    yield "Bearer without a token", ctx.send(op, "Bearer"), 401, "missing_token"
    yield "a revoked token", ctx.send(op, ctx.bearer("revoked")), 401, "invalid_token"
    for role in ROLES:
        if role not in op.roles:
            yield role, ctx.send(op, ctx.bearer(role)), 403, "role_forbidden"
            yield f"{role}, a bad body", ctx.send(op, ctx.bearer(role), "invalid"), 403, "role_forbidden"
    for role in op.roles:
        if op.every_warehouse or op.names_home:
            yield f"{role}@{OTHER}", ctx.send(op, ctx.bearer(f"{role}@{OTHER}")), 403, "warehouse_forbidden"
            yield (
                f"{role}@{OTHER}, a text body",
                ctx.send(op, ctx.bearer(f"{role}@{OTHER}"), "text"),
                403,
                "warehouse_forbidden",
            )
        if op.every_warehouse:
            yield f"{role}@{HOME}", ctx.send(op, ctx.bearer(f"{role}@{HOME}")), 403, "warehouse_forbidden"
        elif op.warehouse_query:
            yield (
                f"{role}@{OTHER} asking for {HOME}",
                ctx.send(op, ctx.bearer(f"{role}@{OTHER}"), query={"warehouse": HOME}),
                403,
                "warehouse_forbidden",
            )


def admitted(op: Operation) -> list[tuple[str, str | None]]:
    """(token label, the warehouse it is limited to) of every caller ``op`` must let through, the most
    limited first: warehouse-limited tokens of the roles it lists, then the same roles for every warehouse."""
    callers: list[tuple[str, str | None]] = []
    if not op.every_warehouse:
        callers += [(f"{role}@{HOME}", HOME) for role in op.roles if role != "admin"] + [(f"admin@{HOME}", HOME)]
        if not op.names_home:
            callers += [(f"{role}@{OTHER}", OTHER) for role in op.roles]
    return callers + [(role, None) for role in op.roles if role != "admin"] + [("admin", None)]


def leaked(r: Response, warehouse: str | None) -> list[str]:
    """What a 2xx JSON answer to a token limited to ``warehouse`` shows of other warehouses or of none."""
    if warehouse is None or not r.headers.get("content-type", "").startswith("application/json"):
        return []
    return [m for side, markers in MARKERS.items() if side != warehouse for m in markers if m in r.text]


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return [t for t in before if before[t] != after[t]]


def test_refused_calls_are_401_or_403_and_change_nothing(ctx: Ctx) -> None:
    failures = []
    before = database_state(ctx.engine)
    for op in operations(ctx.world):
        for who, r, status, code in refusals(ctx, op):
            if (r.status_code, error_code(r)) != (status, code):
                failures.append(f"{op} as {who}: {r.status_code} {r.text[:200]}, expected {status} {code}")
        after = database_state(ctx.engine)
        if after != before:
            failures.append(f"{op}: refused calls changed {changed_tables(before, after)}")
            before = after
    assert not failures, "\n".join(failures)


# Changes that take a resource of the world out of BER1 come last (a cancelled order is in no warehouse).
LAST = ("/v1/orders/{order_id}/cancel", "/v1/webhooks/{webhook_id}")


def test_the_roles_each_operation_lists_are_admitted(ctx: Ctx) -> None:
    """Every listed caller passes the guard: a read answers, a body reaches validation (422 for an unknown
    field, which changes nothing); then one change per operation is made for real, by its most limited
    caller. None of them is a 401, a 403 (but the floor's own) or a 5xx, and a limited token's answers show
    nothing of another warehouse or of orders in none."""
    failures: list[str] = []

    def check(op: Operation, label: str, warehouse: str | None, r: Response, expect: int | None = None) -> None:
        code = error_code(r)
        if expect is not None and r.status_code != expect:
            failures.append(f"{op} as {label}: {r.status_code} {r.text[:200]}, expected {expect}")
        elif r.status_code == 401 or (r.status_code == 403 and code not in DOMAIN_403) or r.status_code >= 500:
            failures.append(f"{op} as {label}: {r.status_code} {r.text[:200]}")
        elif r.is_success and leaked(r, warehouse):
            failures.append(f"{op} as {label} shows {leaked(r, warehouse)}: {r.text[:300]}")

    ordered = sorted(
        operations(ctx.world), key=lambda op: (["get", "post", "delete"].index(op.method), op.path in LAST)
    )
    for op in ordered:
        for label, warehouse in admitted(op):
            if op.body is not None:
                check(op, label, warehouse, ctx.send(op, ctx.bearer(label), "invalid"), expect=422)
            else:
                check(op, label, warehouse, ctx.send(op, ctx.bearer(label)))
                if op.warehouse_query and warehouse is not None:
                    check(op, label, warehouse, ctx.send(op, ctx.bearer(label), query={"warehouse": warehouse}))
    for op in ordered:
        if op.body is not None:
            label, warehouse = admitted(op)[0]
            check(op, label, warehouse, ctx.send(op, ctx.bearer(label)))
    assert not failures, "\n".join(failures)


def test_an_operation_without_roles_or_with_a_resource_no_scope_rule_knows_is_refused_when_built() -> None:
    router = resource_router("things")
    with pytest.raises(TypeError, match="require"):

        @router.get("/things")
        def things() -> dict[str, str]:
            return {}

    with pytest.raises(TypeError, match="gadget_id"):

        @router.get("/gadgets/{gadget_id}")
        def gadget(gadget_id: int, _: Annotated[Principal, Depends(require())]) -> dict[str, str]:
            return {}
