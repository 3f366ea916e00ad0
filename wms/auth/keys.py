"""API tokens with a role and an optional warehouse scope."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from wms.auth.orm import ApiKey
from wms.db import UnitOfWork
from wms.errors import InvalidInput, NotFound
from wms.inventory import repository as repo
from wms.orm import utcnow

ROLES = ("admin", "erp", "planner", "picker")
TOKEN_PREFIX = "wms_"


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: str
    warehouse_code: str | None  # None: every warehouse

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.role}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(uow: UnitOfWork, role: str, warehouse: str | None = None) -> tuple[ApiKey, str]:
    """A new key; the token is returned once and only its hash is stored."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work(uow: UnitOfWork) -> ApiKey:
        warehouse_id = repo.warehouse_by_code(uow.session, warehouse).id if warehouse else None
        key = ApiKey(token_hash=hash_token(token), prefix=token[:10], role=role, warehouse_id=warehouse_id)
        uow.session.add(key)
        uow.session.flush()
        return key

    return uow.run(work), token


_KEYS = ApiKey.__table__
# every request reads its token: built once (only the hash changes), run as Core, no ORM step
_BY_HASH = select(_KEYS.c.id, _KEYS.c.role, repo.warehouse_code_column(_KEYS.c.warehouse_id)).where(
    _KEYS.c.token_hash == bindparam("token_hash"), _KEYS.c.revoked_at.is_(None)
)


def authenticate(conn: Connection, token: str) -> Principal | None:
    """The principal of an active key with this token, else None (one statement: ``wms.db.point_reads``)."""
    row = conn.execute(_BY_HASH, {"token_hash": hash_token(token)}).first()
    return Principal(row[0], row[1], row[2]) if row else None


def key_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0


@dataclass(frozen=True)
class KeyInfo:
    """What an operator sees of a key: never the token, only its first characters."""

    id: int
    prefix: str
    role: str
    warehouse: str | None
    created_at: datetime
    revoked_at: datetime | None


def list_keys(uow: UnitOfWork) -> list[KeyInfo]:
    """Every key, oldest first, revoked ones included."""

    def work(uow: UnitOfWork) -> list[KeyInfo]:
        rows = uow.session.execute(
            select(
                ApiKey.id,
                ApiKey.prefix,
                ApiKey.role,
                repo.warehouse_code_column(ApiKey.warehouse_id),
                ApiKey.created_at,
                ApiKey.revoked_at,
            ).order_by(ApiKey.id)
        ).all()
        return [KeyInfo(*r) for r in rows]

    return uow.run(work, read_only=True)


def revoke_key(uow: UnitOfWork, key_id: int) -> tuple[KeyInfo, bool]:
    """Revoke a key at once (its token gets 401 from the next request on); (the key, revoked just now).
    Revoking a revoked key changes nothing and says so (``False``)."""

    def work(uow: UnitOfWork) -> tuple[KeyInfo, bool]:
        key = uow.session.scalars(select(ApiKey).where(ApiKey.id == key_id).with_for_update()).first()
        if key is None:
            raise NotFound(f"no API key with id {key_id}", code="key_not_found")
        now_revoked = key.revoked_at is None
        if now_revoked:
            key.revoked_at = utcnow()
        code = uow.session.execute(
            select(repo.warehouse_code_column(ApiKey.warehouse_id)).where(ApiKey.id == key.id)
        ).scalar()
        return KeyInfo(key.id, key.prefix, key.role, code, key.created_at, key.revoked_at), now_revoked

    return uow.run(work)


def key_table(keys: list[KeyInfo]) -> list[str]:
    """``keys`` as aligned text lines under a header (times in UTC)."""
    header = ("id", "prefix", "role", "warehouse", "created (UTC)", "status")
    rows = [
        (
            str(k.id),
            k.prefix + "…",
            k.role,
            k.warehouse or "all",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active",
        )
        for k in keys
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
