"""shipment transitions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Every status change of a shipment is recorded with its cause and actor (``shipment_transitions``), as
orders' are. A shipment that exists already gets one row: the status it has when its history begins.

"""

from __future__ import annotations

import sqlalchemy as sa

import wms.orm
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipment_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shipment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", wms.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_transitions_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_transitions")),
    )
    with op.batch_alter_table("shipment_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_transitions_shipment_id"), ["shipment_id"], unique=False)
    op.execute(
        "INSERT INTO shipment_transitions (shipment_id, from_status, to_status, cause, actor, at) "
        "SELECT id, NULL, status, 'history begins', 'system', CURRENT_TIMESTAMP FROM shipments ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("shipment_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_transitions_shipment_id"))
    op.drop_table("shipment_transitions")
