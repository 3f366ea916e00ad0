"""No request goes to a worker thread before its endpoint: FastAPI runs a plain ``def`` dependency in the
thread pool (a hop of its own, each time), a coroutine in the event loop. Every dependency of every route only
reads the request, so each must be a coroutine (the endpoint itself, which does the work, runs in a thread)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant

from tests.api.openapi_helpers import api_routes
from tests.conftest import Backend
from wms.api.app import create_app


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _runs_in_loop(call: object) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        type(call).__call__
    )  # an instance: HTTPBearer


def test_every_dependency_runs_in_the_event_loop(backend: Backend) -> None:
    app = create_app(backend.settings, backend.engine)
    checked, in_threads = 0, []
    for route in api_routes(app.routes):
        for dep in _dependencies(route.dependant):
            if dep.call is None:
                continue
            checked += 1
            if not _runs_in_loop(dep.call):
                in_threads.append(f"{route.path}: {getattr(dep.call, '__qualname__', dep.call)}")
    assert checked > 100  # the routes' tokens, units of work, pages, keys
    assert in_threads == []
