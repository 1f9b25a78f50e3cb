"""A draft remembers the upload form that sent it: the same form sent twice makes one draft.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 12:00:00

``document.upload_key``: the nonce of the upload page's form (or an API client's
idempotency key), unique per uploader; ``NULL`` for drafts sent without one (several
NULLs are allowed by both databases).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("upload_key", sa.String(length=64), nullable=True))
        batch.create_index(
            "ux_document_upload_key", ["created_by_id", "upload_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_index("ux_document_upload_key")
        batch.drop_column("upload_key")
