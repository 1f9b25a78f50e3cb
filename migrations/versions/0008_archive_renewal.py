"""Archive renewal: when the newest archive timestamp of a document version expires.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 03:00:00

``document_version.archive_expires_at`` lets the renewal job find the versions whose
archive timestamp must be renewed without reading every PDF. Written by hand in the
autogenerate style; ``UTCDateTime`` is written as its stored type.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('archive_expires_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_document_version_archive_expires_at'), ['archive_expires_at'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_version_archive_expires_at'))
        batch_op.drop_column('archive_expires_at')
