"""What the administration pages keep: a person's e-mail, a certificate's device name
and its revocation in docflow.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 11:40:00

Three nullable columns: ``user_account.email``; ``personal_certificate.device_name``
(what a leader calls the browser that holds a WebCrypto key) and
``personal_certificate.revoked_at`` (revoked by its holder or an administrator: it signs
nothing more here). Existing rows keep NULL: no e-mail, no name, not revoked.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column(
        'email', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
    op.add_column('personal_certificate', sa.Column(
        'device_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.add_column('personal_certificate', sa.Column(
        'revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('personal_certificate') as batch:
        batch.drop_column('revoked_at')
        batch.drop_column('device_name')
    # Not in batch mode: on SQLite that rebuilds the table and drops the auth-revision
    # triggers on user_account (migration 0012). SQLite >= 3.35 drops a column itself.
    op.execute('ALTER TABLE user_account DROP COLUMN email')
