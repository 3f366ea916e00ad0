"""The ``wms`` command line (Typer): serve, demo, warmup, keys, migrate, worker."""

from __future__ import annotations

import copy
import errno
import re
import socket
from typing import TYPE_CHECKING, NoReturn

import typer

from wms.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="Warehouse management system.", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _settings() -> Settings:
    from pydantic import ValidationError  # noqa: PLC0415
    from pydantic_settings import SettingsError  # noqa: PLC0415

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"setting WMS_{str(first['loc'][0]).upper()}: {first['msg']}", 2)
    except SettingsError as exc:  # a value that is not even JSON, e.g. WMS_CARRIER_RULES='[oops'
        field = re.search(r'field "([^"]+)"', str(exc))
        name = f"WMS_{field.group(1).upper()}" if field else "a WMS_ variable"
        _fail(f"setting {name} cannot be read: {exc.__cause__ or exc}", 2)


def _prepare(settings: Settings | None = None) -> tuple[Settings, Engine]:
    """Settings, and an engine whose schema is at the newest migration; one clear line if the database fails."""
    from alembic.util.exc import CommandError  # noqa: PLC0415 (fast --help)
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError  # noqa: PLC0415

    from wms.db import make_engine  # noqa: PLC0415
    from wms.migrate import upgrade  # noqa: PLC0415

    settings = settings or _settings()
    try:
        engine = make_engine(settings)
        upgrade(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        _fail(f"cannot use the database {settings.safe_database_url}: {reason}")
    except (SQLAlchemyError, CommandError) as exc:
        _fail(f"cannot use the database {settings.safe_database_url}: {str(exc).splitlines()[0]}")
    except ImportError as exc:
        _fail(f"cannot use the database {settings.safe_database_url}: its driver is not installed ({exc})")
    return settings, engine


def _warm_up_kernels(quiet_when_cached: bool = True) -> None:
    """Compile (first run) or load the routing and wave kernels, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    from wms.kernel_cache import kernels_dir  # noqa: PLC0415
    from wms.picking import kernels  # noqa: PLC0415

    columns = (TextColumn("[bold]kernels[/bold] {task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=quiet_when_cached) as progress:
        task = progress.add_task("loading", total=None)

        def on_step(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total)

        done = kernels.warm_up(on_step)
    if done.compiled:
        typer.echo(
            f"routing and wave kernels compiled in {done.seconds:.0f} s, once for this install "
            f"(cached in {kernels_dir()}; set WMS_NUMBA_CACHE_DIR to move it)"
        )
    elif not quiet_when_cached:
        typer.echo(f"routing and wave kernels loaded from {kernels_dir()} in {done.seconds:.1f} s")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings, _ = _prepare()
    typer.echo(f"schema up to date at {settings.safe_database_url}")


@app.command()
def warmup() -> None:
    """Compile the routing and wave kernels into the cache (once per install; about a minute)."""
    _warm_up_kernels(quiet_when_cached=False)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else so that a busy port fails at once.

    Made with ``IPPROTO_TCP`` as its protocol: asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only on
    accepted sockets that say so, and they inherit it from this one. ``socket.create_server`` (and uvicorn's
    own ``bind_socket``) leave it 0, and then every answer on a kept-alive connection waited ~40 ms for the
    client's delayed ACK (uvicorn issue 3149): one picker's scan took 56 ms instead of 15.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides it
    sock: socket.socket | None = None
    try:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if family == socket.AF_INET6:  # "::" is IPv6 only, as socket.create_server made it
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except socket.gaierror as exc:
        if sock is not None:
            sock.close()
        _fail(f"cannot listen on {host}: {exc.strerror}", 2)
    except OSError as exc:
        if sock is not None:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            _fail(
                f"port {port} on {host} is already in use (another wms serve?); choose another with --port or WMS_PORT",
                2,
            )
        _fail(f"cannot listen on {host}:{port}: {exc.strerror}", 2)
    return sock


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default: WMS_HOST, else 127.0.0.1)."),
    port: int = typer.Option(None, min=1, max=65535, help="TCP port (default: WMS_PORT, else 8000)."),
    workers: int = typer.Option(
        None, min=1, max=64, help="API processes sharing the port (default: WMS_WORKERS, else 1)."
    ),
) -> None:
    """Run the API (schema created or upgraded first; kernels compile in the background if not cached).

    With --workers N, N processes serve the one socket (uvicorn's supervisor restarts any that dies); one
    of them at a time, the leader, runs the job sweeper and housekeeping (wms/jobs/leader.py)."""
    import uvicorn  # noqa: PLC0415
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    from wms.api.app import create_app  # noqa: PLC0415
    from wms.auth.keys import key_count  # noqa: PLC0415
    from wms.db import make_session_factory  # noqa: PLC0415

    settings = _settings()
    host, port, workers = host or settings.host, port or settings.port, workers or settings.workers
    sock = _listen(host, port)
    settings, engine = _prepare(settings)  # the migration runs here, once, before any worker starts
    with make_session_factory(engine)() as session:
        if key_count(session) == 0:
            typer.echo(
                "No API token exists yet. Create one with:\n"
                "    wms keys create --role admin\n"
                "and send it as 'Authorization: Bearer <token>'."
            )
    typer.echo(f"database: {settings.safe_database_url}")
    shown = f"[{host}]" if ":" in host else host
    processes = f" by {workers} processes" if workers > 1 else ""
    typer.echo(f"serving on http://{shown}:{port}{processes} (API docs at /docs); Ctrl-C stops it")
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)  # the service's own messages beside uvicorn's
    log_config["loggers"]["wms"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if workers == 1:
        app = create_app(settings, engine, settle_heap=True)
        config = uvicorn.Config(app, host=host, port=port, log_config=log_config)
        uvicorn.Server(config).run(sockets=[sock])
        return
    # each worker is a fresh (spawned) process that builds its own app, settings and engine from the same
    # WMS_ environment (serving_app(): create_app() with no arguments); the socket is inherited, the schema
    # is already up
    engine.dispose()
    config = uvicorn.Config(
        "wms.api.app:serving_app", factory=True, host=host, port=port, workers=workers, log_config=log_config
    )
    Multiprocess(config, sockets=[sock]).run()


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="admin, erp, planner or picker."),
    warehouse: str | None = typer.Option(None, help="Limit the token to this warehouse code."),
) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    from wms.auth.keys import create_key  # noqa: PLC0415
    from wms.db import UnitOfWork, make_session_factory  # noqa: PLC0415
    from wms.errors import DomainError  # noqa: PLC0415

    settings, engine = _prepare()
    try:
        key, token = create_key(UnitOfWork(make_session_factory(engine)), role, warehouse)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    scope = f"warehouse {warehouse}" if warehouse else "all warehouses"
    typer.echo(f"key {key.id}: role {role}, {scope}. The token (shown only now):")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """Every API token: id, prefix, role, warehouse, when created, and whether it is revoked."""
    from wms.auth.keys import key_table, list_keys  # noqa: PLC0415
    from wms.db import UnitOfWork, make_session_factory  # noqa: PLC0415

    _, engine = _prepare()
    keys = list_keys(UnitOfWork(make_session_factory(engine)))
    if not keys:
        typer.echo("No API token exists yet. Create one with: wms keys create --role admin")
        return
    for line in key_table(keys):
        typer.echo(line)


@keys_app.command("revoke")
def keys_revoke(key_id: int = typer.Argument(..., metavar="ID", help="The key's id (see wms keys list).")) -> None:
    """Revoke an API token: requests with it get 401 from now on."""
    from wms.auth.keys import revoke_key  # noqa: PLC0415
    from wms.db import UnitOfWork, make_session_factory  # noqa: PLC0415
    from wms.errors import DomainError  # noqa: PLC0415

    _, engine = _prepare()
    try:
        key, revoked_now = revoke_key(UnitOfWork(make_session_factory(engine)), key_id)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    when = f"{key.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
    typer.echo(
        f"key {key.id} ({key.prefix}…, role {key.role}) "
        + (f"revoked at {when}" if revoked_now else f"was already revoked at {when}")
    )


@app.command()
def worker() -> None:
    """Run an RQ worker for background jobs: large waves to plan, large bulk pushes (needs WMS_REDIS_URL)."""
    from redis import Redis  # noqa: PLC0415
    from rq import Worker  # noqa: PLC0415

    settings, _ = _prepare()
    if not settings.redis_url:
        _fail("set WMS_REDIS_URL; without Redis, 'wms serve' runs background jobs in-process", 2)
    _warm_up_kernels()  # before the jobs fork: each inherits the compiled kernels
    Worker([settings.wave_queue], connection=Redis.from_url(settings.redis_url)).work(with_scheduler=True)


@app.command()
def demo() -> None:
    """Build a demo warehouse: stock, orders, a wave picked, packed, labelled and shipped, printing each step."""
    from wms.demo import run_demo  # noqa: PLC0415

    settings, engine = _prepare()
    _warm_up_kernels()
    run_demo(settings, engine, typer.echo)
