"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine

from wms import __version__, heap
from wms.api import health
from wms.api.errors import install_error_handlers
from wms.api.examples import add_examples
from wms.api.failures import install_failure_handlers
from wms.api.guide import DESCRIPTION, TAGS
from wms.api.idempotency import purge_expired
from wms.api.routers import (
    bulk_orders,
    counts,
    events,
    items,
    orders,
    picking,
    replenishment,
    routes,
    shipments,
    stock,
    warehouses,
    waves,
)
from wms.api.scope import Settled
from wms.api.webhook_docs import document_events
from wms.config import Settings
from wms.db import UnitOfWork, make_engine, make_session_factory, point_reads
from wms.events.relay import WebhookRelay
from wms.jobs.dispatch import Sweeper, make_dispatcher
from wms.jobs.leader import Leadership
from wms.migrate import head_revision
from wms.orders.intake_jobs import purge_finished
from wms.periodic import Periodic
from wms.picking import kernels
from wms.wiring import install as install_domain_events

PURGE_INTERVAL_S = 3600.0  # expired Idempotency-Keys and old bulk push jobs go hourly (and at start)


def serving_app() -> FastAPI:
    """The app of a ``wms serve`` worker process (uvicorn's factory): its heap settles once it has started."""
    return create_app(settle_heap=True)


def create_app(settings: Settings | None = None, engine: Engine | None = None, *, settle_heap: bool = False) -> FastAPI:
    """The service. ``settle_heap``: once the process has started (its kernels loaded), leave its long-lived
    objects out of the garbage collector's full passes (``wms.heap``); for the processes ``wms serve`` runs."""
    install_domain_events()
    settings = settings or Settings()
    engine = engine or make_engine(settings)
    session_factory = make_session_factory(engine)
    read_session_factory = make_session_factory(engine, read_only=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # several processes may serve one database (wms serve --workers N, several machines): the sweeper
        # and housekeeping run in the one that leads (wms/jobs/leader.py); every process serves requests,
        # relays webhooks (leased per webhook) and runs the background jobs it is handed (leased per job)
        leader = Leadership(engine, settings.leader_retry_s)
        app.state.leader = leader

        def housekeep() -> None:
            purge_expired(session_factory, settings.idempotency_ttl_hours)
            # a bulk push job is kept as long as the Idempotency-Key whose replayed 202 points at it
            purge_finished(UnitOfWork(session_factory), timedelta(hours=settings.idempotency_ttl_hours))

        housekeeping = Periodic("housekeeping", PURGE_INTERVAL_S, housekeep, when=leader.held)
        leader.on_elected(housekeeping.wake)
        app.state.kernels = kernels.in_background()  # compiled once per install, loaded once per process
        app.state.heap_settled = threading.Event()
        if settle_heap:
            heap.settle_when(app.state.kernels.wait, app.state.heap_settled)
        dispatcher = make_dispatcher(settings, session_factory)
        app.state.dispatcher = dispatcher
        sweeper = None
        if settings.wave_sweep_interval_s > 0:
            sweeper = Sweeper(session_factory, dispatcher, settings.wave_sweep_interval_s, when=leader.held)
            leader.on_elected(sweeper.wake)
        leader.start()
        housekeeping.start()
        if sweeper is not None:
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
            housekeeping.stop()
            leader.stop()
            dispatcher.close()

    # /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package, not a CDN:
    # warehouse networks are often offline. No online validator badge either.
    app = FastAPIOffline(
        title="WMS",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.read_session_factory = read_session_factory
    app.state.point_reads = point_reads(engine)  # the guard's token read: one statement, no transaction
    app.state.settled = Settled()  # where pick lists, shipments, … are: read once per process (wms.api.scope)
    app.state.head_revision = head_revision()
    install_error_handlers(app)
    install_failure_handlers(app)
    app.include_router(health.router)
    for module in (
        warehouses,
        items,
        stock,
        counts,
        orders,
        bulk_orders,
        events,
        routes,
        waves,
        picking,
        shipments,
        replenishment,
    ):
        app.include_router(module.router)
    document_events(app)
    build_openapi = app.openapi  # FastAPI's, cached

    def openapi() -> dict[str, Any]:
        return add_examples(build_openapi())

    app.openapi = openapi  # type: ignore[method-assign]

    return app
