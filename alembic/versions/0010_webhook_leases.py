"""webhook leases and failure streaks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Webhooks remember when their current failure streak began (``failing_since``: a webhook is paused only
after a long run of failures) and which relay delivers to them now (``lease_token`` until ``lease_until``:
one delivery in flight per webhook, also with several server processes).

"""

from __future__ import annotations

import sqlalchemy as sa

import wms.orm
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", wms.orm.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_token", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("lease_until", wms.orm.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_token")
        batch_op.drop_column("failing_since")
