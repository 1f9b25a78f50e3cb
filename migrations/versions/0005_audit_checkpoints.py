"""Audit checkpoints: the chain head signed with the system seal and timestamped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:20:00

Also a trigger: each inserted event becomes the chain head's ``last_hash`` (so an append is
two statements: advance-and-read the head, insert the event). A later batch migration that
recreates ``audit_event`` on SQLite must create the trigger again.

Written by hand in the autogenerate style; ``UTCDateTime`` is written as its stored
type (``DateTime(timezone=True)``) so this file does not depend on application code.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - AutoString as autogenerate renders it
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_token', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_seq'), ['seq'], unique=False)
    # Events of one document are looked up by subject.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(
            'ix_audit_event_subject', ['subject_type', 'subject_id'], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_event_advance_head() RETURNS trigger AS $$
            BEGIN
                UPDATE audit_chain_head SET last_hash = NEW.hash WHERE id = 1;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_advance_head AFTER INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_advance_head()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_event_advance_head AFTER INSERT ON audit_event "
            "BEGIN UPDATE audit_chain_head SET last_hash = NEW.hash WHERE id = 1; END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_event_advance_head" + (
        " ON audit_event" if op.get_bind().dialect.name == "postgresql" else ""
    ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_advance_head()")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_seq'))
    op.drop_table('audit_checkpoint')
