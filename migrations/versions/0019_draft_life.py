"""Draft life: a document's comment thread, and the note a notice carries (why a draft
was returned to its drafter).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 15:10:00

``document_comment`` is append-only (remarks, and the reasons given on return, resubmit
and withdrawal); ``notification.note`` holds the comment of a ``returned`` notice (None
for a confidential document). The new document states (``returned``, ``withdrawn``) and
version source (``replacement``) fit the existing columns. Written by hand in the
autogenerate style.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('document_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_document_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_comment_document_id_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_comment'))
    )
    with op.batch_alter_table('document_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_comment_document_id'), ['document_id'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('document_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_comment_document_id'))
    op.drop_table('document_comment')
