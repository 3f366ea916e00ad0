"""stock by item

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Allocation looks stock up by item across warehouses; (warehouse_id, item_id)
cannot serve that, so both databases scanned the whole stock table.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock", schema=None) as batch_op:
        batch_op.create_index("ix_stock_item_id", ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_item_id")
