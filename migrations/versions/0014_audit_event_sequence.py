"""Audit events numbered by a database sequence: appends no longer wait on a chain head.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 08:45:00

Before: ``record_event`` numbered each event ``MAX(seq) + 1`` and appended its
``audit_log`` row under one lock, so every change in the system waited on the one chain
head. After: an event's ``seq`` comes from a sequence (PostgreSQL; SQLite's
``INTEGER PRIMARY KEY`` already numbers rows itself), writers insert ``audit_event``
rows only, and the sequencer (``docflow.audit.sequencer``) appends their ``audit_log``
rows in batches. No table changes; the service role's grants already cover sequences.
"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = "audit_event_seq_seq"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} OWNED BY audit_event.seq")
    op.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(seq) FROM audit_event), 0) + 1, false)"
    )
    op.execute(f"ALTER TABLE audit_event ALTER COLUMN seq SET DEFAULT nextval('{SEQUENCE}')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE audit_event ALTER COLUMN seq DROP DEFAULT")
    op.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
