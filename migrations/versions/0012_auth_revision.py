"""The auth revision: one counter that grows whenever a sign-in may have been revoked.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:40:00

Table ``auth_revision`` with one row (id 1). Triggers add one to ``n`` on every UPDATE
or DELETE of ``auth_session`` and ``user_account`` and every INSERT, UPDATE or DELETE of
``user_role``, in the changing transaction: every process that caches token -> principal
lookups (``docflow.accounts.principal_cache``) sees the new value with the next request.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE auth_revision SET n = n + 1 WHERE id = 1"
#: (table, events) whose changes bump the revision.
WATCHED = (
    ("auth_session", ("UPDATE", "DELETE")),
    ("user_account", ("UPDATE", "DELETE")),
    ("user_role", ("INSERT", "UPDATE", "DELETE")),
)


def upgrade() -> None:
    op.create_table(
        'auth_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO auth_revision (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION auth_revision_bump() RETURNS trigger AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        for table, events in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_auth_revision AFTER {' OR '.join(events)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION auth_revision_bump()"
            )
        return
    for table, events in WATCHED:
        for ev in events:
            op.execute(
                f"CREATE TRIGGER {table}_auth_revision_{ev.lower()} AFTER {ev} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _events in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_revision ON {table}")
        op.execute("DROP FUNCTION IF EXISTS auth_revision_bump()")
    else:
        for table, events in WATCHED:
            for ev in events:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_revision_{ev.lower()}")
    op.drop_table('auth_revision')
