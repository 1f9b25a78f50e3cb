"""The notification kinds a person's preferences form offered when they saved it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 00:10:00

``notification_setting.offered_kinds``: without it, a kind added in a later release was
simply absent from everyone's saved choices, so whoever had ever saved their preferences
never got it, in the page or by e-mail, and was never asked. A kind not offered then now
follows its default until the person saves again. Rows saved before this revision keep
None: their form offered the ten kinds that existed then (``kinds.FIRST_KINDS``).
Written by hand in the autogenerate style.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_kinds', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_setting', schema=None) as batch_op:
        batch_op.drop_column('offered_kinds')
