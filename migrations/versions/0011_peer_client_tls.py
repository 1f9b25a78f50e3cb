"""Peers authenticated by mutual TLS: where the client certificate and key are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:15:00

Two nullable columns on ``exchange_peer``: the PEM file of the client certificate
(with its chain) and the PEM file of its private key, presented when delivering to a
peer whose ``auth`` is ``mtls``. Only paths are stored, never the key.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('exchange_peer', sa.Column(
        'client_certificate_path', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True))
    op.add_column('exchange_peer', sa.Column(
        'client_key_path', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exchange_peer') as batch:
        batch.drop_column('client_key_path')
        batch.drop_column('client_certificate_path')
