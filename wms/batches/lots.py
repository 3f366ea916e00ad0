"""Lots: one item, one expiry date (or none), created on first receipt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import BigInteger, ScalarSelect, SQLColumnExpression, literal, select
from sqlalchemy.orm import Session

from wms.batches.orm import Lot
from wms.db import dialect_insert
from wms.errors import Conflict, NotFound


def receive_lot(session: Session, item_id: int, sku: str, code: str, expiry_date: date | None) -> Lot:
    """The lot ``code`` of the item, created if new; a second expiry is a conflict."""
    session.execute(
        dialect_insert(session, Lot)
        .values(item_id=item_id, code=code, expiry_date=expiry_date)
        .on_conflict_do_nothing(index_elements=[Lot.item_id, Lot.code])
    )
    lot = find_lot(session, item_id, code)
    assert lot is not None
    if lot.expiry_date != expiry_date:
        raise Conflict(
            f"lot {code} of {sku} has expiry {lot.expiry_date}, not {expiry_date}",
            code="lot_expiry_mismatch",
            details={"sku": sku, "lot": code, "expiry_date": lot.expiry_date and lot.expiry_date.isoformat()},
        )
    return lot


def find_lot(session: Session, item_id: int, code: str) -> Lot | None:
    return session.scalars(select(Lot).where(Lot.item_id == item_id, Lot.code == code)).first()


def get_lot(session: Session, item_id: int, sku: str, code: str) -> Lot:
    lot = find_lot(session, item_id, code)
    if lot is None:
        raise NotFound(f"lot {code} of {sku} not found", code="lot_not_found")
    return lot


def lot_codes(session: Session, lot_ids: Iterable[int]) -> dict[int, str]:
    """Lot id → its code."""
    return dict(session.execute(select(Lot.id, Lot.code).where(Lot.id.in_(sorted(set(lot_ids))))).all())


def lots_of_item(session: Session, item_id: int, *, after_id: int, limit: int) -> list[tuple[int, str, date | None]]:
    """(id, code, expiry date) of the item's lots after ``after_id``, oldest first, at most ``limit``."""
    stmt = select(Lot.id, Lot.code, Lot.expiry_date).where(
        Lot.item_id == item_id, Lot.id > literal(after_id, BigInteger())
    )
    return [(r.id, r.code, r.expiry_date) for r in session.execute(stmt.order_by(Lot.id).limit(limit))]


def expiry_dates(session: Session, lot_ids: Iterable[int]) -> dict[int, date | None]:
    """lot id → expiry date (None: the lot does not expire)."""
    ids = sorted(set(lot_ids))
    if not ids:
        return {}
    return {r.id: r.expiry_date for r in session.execute(select(Lot.id, Lot.expiry_date).where(Lot.id.in_(ids)))}


def lot_code_column(lot_id: SQLColumnExpression[int]) -> ScalarSelect[str]:
    """The code of the lot ``lot_id`` (a column of another table) names, as a subquery."""
    return select(Lot.code).where(Lot.id == lot_id).scalar_subquery()


def expiry_date_column(lot_id: SQLColumnExpression[int]) -> ScalarSelect[date | None]:
    """The expiry date of the lot ``lot_id`` names, as a subquery (NULL: it does not expire)."""
    return select(Lot.expiry_date).where(Lot.id == lot_id).scalar_subquery()
