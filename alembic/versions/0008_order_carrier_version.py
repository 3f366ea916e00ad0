"""order carrier version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Orders remember the time of the carrier change they carry (an ERP message's ``at``, or when a
planner changed it), so the newest change wins whatever order messages arrive in.
"""

from __future__ import annotations

import sqlalchemy as sa

import wms.orm
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carrier_version", wms.orm.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("carrier_version")
