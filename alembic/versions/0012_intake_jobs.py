"""intake jobs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

A bulk push above ``WMS_BULK_SYNC_MAX_ORDERS`` orders is a job (``intake_jobs``): the orders to push, how
many are pushed, counts, status and the lease of the worker pushing it; each order's result is a row of
``intake_job_results``, written in the transaction that pushed the order. A stored Idempotency-Key answer
keeps its ``Location`` header (a 202's, pointing at the job), so a replay carries it too.
"""

from __future__ import annotations

import sqlalchemy as sa

import wms.orm
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "intake_jobs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("existing", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", wms.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", wms.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", wms.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("request_ref", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_jobs")),
    )
    with op.batch_alter_table("intake_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_jobs_request_ref"), ["request_ref"], unique=True)
        batch_op.create_index("ix_intake_jobs_status_lease", ["status", "lease_until"], unique=False)
    op.create_table(
        "intake_job_results",
        sa.Column("job_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["intake_jobs.id"], name=op.f("fk_intake_job_results_job_id_intake_jobs")),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_intake_job_results")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("location")
    op.drop_table("intake_job_results")
    with op.batch_alter_table("intake_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_jobs_status_lease")
        batch_op.drop_index(batch_op.f("ix_intake_jobs_request_ref"))
    op.drop_table("intake_jobs")
