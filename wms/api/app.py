"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, text

from wms import __version__
from wms.api.errors import install_error_handlers
from wms.api.examples import add_examples
from wms.api.guide import DESCRIPTION, TAGS
from wms.api.idempotency import purge_expired
from wms.api.routers import counts, events, items, orders, picking, replenishment, routes, shipments, stock, warehouses, waves
from wms.api.schemas import Health
from wms.api.webhook_docs import document_events
from wms.config import Settings
from wms.db import make_engine, make_session_factory
from wms.events.relay import WebhookRelay
from wms.jobs.dispatch import Sweeper, make_dispatcher
from wms.picking import kernels


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings)
    session_factory = make_session_factory(engine)
    read_session_factory = make_session_factory(engine, read_only=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        purge_expired(session_factory, settings.idempotency_ttl_hours)
        app.state.kernels = kernels.in_background()  # compiled once per install, loaded once per process
        dispatcher = make_dispatcher(settings, session_factory)
        app.state.dispatcher = dispatcher
        sweeper = None
        if settings.wave_sweep_interval_s > 0:
            sweeper = Sweeper(session_factory, dispatcher, settings.wave_sweep_interval_s)
            sweeper.start()
        relay = None
        if settings.webhook_relay_interval_s > 0:
            relay = WebhookRelay.from_settings(session_factory, read_session_factory, settings)
            relay.start()
        try:
            yield
        finally:
            if relay is not None:
                relay.stop()
            if sweeper is not None:
                sweeper.stop()
            dispatcher.close()

    # /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package, not a CDN:
    # warehouse networks are often offline. No online validator badge either.
    app = FastAPIOffline(title="WMS", version=__version__, description=DESCRIPTION, openapi_tags=TAGS,
                         lifespan=lifespan, swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.read_session_factory = read_session_factory
    install_error_handlers(app)
    for module in (warehouses, items, stock, counts, orders, events, routes, waves, picking, shipments,
                   replenishment):
        app.include_router(module.router)
    document_events(app)
    build_openapi = app.openapi  # FastAPI's, cached

    def openapi() -> dict[str, Any]:
        return add_examples(build_openapi())

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Is the service up")
    def healthz() -> Health:
        """200 while the process runs and its database answers, also while the routing and wave kernels
        are still compiling after an install (`kernels` says which). Needs no token; for load balancers and
        monitoring."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Health(status="ok", kernels=app.state.kernels.state)

    return app
