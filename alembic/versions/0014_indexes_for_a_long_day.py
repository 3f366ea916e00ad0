"""indexes that keep a day's reads from growing with the day

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

A 20,000-order day on PostgreSQL read 372 million shipment rows in 24,143 sequential scans, and 37 million
pick-list stops in 1,467: every allocation of a paid order asked for the shipments it may join by merge key
and status, which the old index (warehouse_id first) could not serve; the packing station's queue and the
waves asked for shipments by status; a cart's delivery and an order's withdrawal asked for stops by shipment
and by order. Each of those read the whole table, so a request cost more the longer the day ran.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_merge")
        batch_op.create_index("ix_shipments_merge", ["merge_key", "status"], unique=False)
        batch_op.create_index("ix_shipments_status_id", ["status", "id"], unique=False)
    with op.batch_alter_table("pick_list_stops", schema=None) as batch_op:
        batch_op.create_index("ix_pick_list_stops_shipment_id", ["shipment_id"], unique=False)
        batch_op.create_index("ix_pick_list_stops_order_id", ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pick_list_stops", schema=None) as batch_op:
        batch_op.drop_index("ix_pick_list_stops_order_id")
        batch_op.drop_index("ix_pick_list_stops_shipment_id")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_status_id")
        batch_op.drop_index("ix_shipments_merge")
        batch_op.create_index("ix_shipments_merge", ["warehouse_id", "merge_key", "status"], unique=False)
