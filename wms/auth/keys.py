"""API tokens with a role and an optional warehouse scope."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.auth.orm import ApiKey
from wms.db import UnitOfWork
from wms.errors import InvalidInput
from wms.inventory import repository as repo
from wms.inventory.orm import Warehouse

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

    def may_access(self, warehouse_code: str) -> bool:
        return self.warehouse_code is None or self.warehouse_code == warehouse_code


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


def authenticate(session: Session, token: str) -> Principal | None:
    row = session.execute(
        select(ApiKey.id, ApiKey.role, Warehouse.code)
        .outerjoin(Warehouse, Warehouse.id == ApiKey.warehouse_id)
        .where(ApiKey.token_hash == hash_token(token), ApiKey.revoked_at.is_(None))
    ).first()
    return Principal(row[0], row[1], row[2]) if row else None


def key_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0
