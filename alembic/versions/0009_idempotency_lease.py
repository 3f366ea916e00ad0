"""idempotency lease

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

A request holds its Idempotency-Key under a lease (``locked_until``, renewed while it works); a key
whose request died without answering can be taken over by a retry once the lease ran out
(``attempt`` counts the takeovers, so a slow original cannot write over its successor). A wave
remembers the request that created it (``request_ref``), so a retried request finds its wave.
"""

from __future__ import annotations

import sqlalchemy as sa

import wms.orm
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", wms.orm.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_ref", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_waves_request_ref", ["request_ref"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.drop_index("ix_waves_request_ref")
        batch_op.drop_column("request_ref")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("attempt")
        batch_op.drop_column("locked_until")
