"""The ``wms`` command line (Typer): serve, demo, keys, migrate."""

from __future__ import annotations

import typer

from wms.config import Settings

app = typer.Typer(help="Warehouse management system.", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _prepare() -> tuple[Settings, object]:
    """Settings, and an engine whose schema is at the newest migration."""
    from wms.db import make_engine  # noqa: PLC0415 (fast --help)
    from wms.migrate import upgrade  # noqa: PLC0415

    settings = Settings()
    engine = make_engine(settings)
    upgrade(engine)
    return settings, engine


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings, _ = _prepare()
    typer.echo(f"schema up to date at {settings.database_url}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="TCP port.")) -> None:
    """Run the API (schema created or upgraded first)."""
    import uvicorn  # noqa: PLC0415

    from wms.api.app import create_app  # noqa: PLC0415
    from wms.auth.keys import key_count  # noqa: PLC0415
    from wms.db import make_session_factory  # noqa: PLC0415

    settings, engine = _prepare()
    with make_session_factory(engine)() as session:  # type: ignore[arg-type]
        if key_count(session) == 0:
            typer.echo("No API token exists yet. Create one with:\n"
                       "    wms keys create --role admin\n"
                       "and send it as 'Authorization: Bearer <token>'.")
    typer.echo(f"database: {settings.database_url}")
    uvicorn.run(create_app(settings, engine), host=host, port=port)  # type: ignore[arg-type]


@keys_app.command("create")
def keys_create(role: str = typer.Option(..., help="admin, erp, planner or picker."),
                warehouse: str | None = typer.Option(None, help="Limit the token to this warehouse code.")) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    from wms.auth.keys import create_key  # noqa: PLC0415
    from wms.db import UnitOfWork, make_session_factory  # noqa: PLC0415
    from wms.errors import DomainError  # noqa: PLC0415

    settings, engine = _prepare()
    try:
        key, token = create_key(UnitOfWork(make_session_factory(engine)), role, warehouse)  # type: ignore[arg-type]
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    scope = f"warehouse {warehouse}" if warehouse else "all warehouses"
    typer.echo(f"key {key.id}: role {role}, {scope}. The token (shown only now):")
    typer.echo(token)


@app.command()
def worker() -> None:
    """Run an RQ worker planning waves in the background (needs WMS_REDIS_URL)."""
    from redis import Redis  # noqa: PLC0415
    from rq import Worker  # noqa: PLC0415

    from wms.jobs.dispatch import QUEUE  # noqa: PLC0415

    settings, _ = _prepare()
    if not settings.redis_url:
        typer.echo("error: set WMS_REDIS_URL; without Redis, 'wms serve' plans waves in-process", err=True)
        raise typer.Exit(2)
    Worker([QUEUE], connection=Redis.from_url(settings.redis_url)).work(with_scheduler=True)


@app.command()
def demo() -> None:
    """Build a demo warehouse with items, lots and stock, printing what it did."""
    from wms.demo import run_demo  # noqa: PLC0415

    settings, engine = _prepare()
    run_demo(settings, engine, typer.echo)  # type: ignore[arg-type]
