"""Schema upgrades through Alembic, the only way the schema changes."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from alembic import command


def _root() -> Path:
    """The checkout (editable install) or ``<prefix>/share/wms`` (pip install .)."""
    for root in (Path(__file__).resolve().parent.parent, Path(sys.prefix) / "share" / "wms"):
        if (root / "alembic.ini").exists() and (root / "alembic" / "versions").is_dir():
            return root
    raise RuntimeError("Alembic migrations not found; reinstall wms")


def alembic_config(url: str | None = None) -> Config:
    root = _root()
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "alembic"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the newest revision."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def head_revision() -> str:
    """The newest migration this install carries."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no Alembic migrations found; reinstall wms")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None when it has none (an empty database)."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
