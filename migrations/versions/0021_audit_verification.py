"""The outcome of each whole check of the audit trail, kept; insert-only like the trail.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 04:00:00

The audit page used to check every event, checkpoint and store copy on every view: a
million events took about 10 s, and a province adds that many in a week or two. The
page now shows the newest row of ``audit_verification``, written by the periodic check
(``DOCFLOW_AUDIT_VERIFY_MINUTES``) or a check an auditor asks for. The table refuses
UPDATE and DELETE (and TRUNCATE on PostgreSQL), as the other audit tables do (0006's
``audit_append_only()``), and the service role gets SELECT and INSERT only
(``docflow.core.db_roles``). Written by hand in the autogenerate style; ``UTCDateTime``
is written as its stored type.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = 'audit_verification'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('newest_seq', sa.Integer(), nullable=False),
    sa.Column('newest_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_verification_finished_at'), ['finished_at'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
        return
    for operation, suffix in (("UPDATE", "no_update"), ("DELETE", "no_delete")):
        op.execute(f"CREATE TRIGGER {TABLE}_{suffix} BEFORE {operation} ON {TABLE} BEGIN "
                   f"SELECT RAISE(ABORT, '{TABLE} is append-only: {operation} refused'); END")


def downgrade() -> None:
    # Dropping the table drops its triggers (the shared function stays: 0006's).
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_verification_finished_at'))
    op.drop_table(TABLE)
