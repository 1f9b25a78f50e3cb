"""The job queue of procrastinate on PostgreSQL (tables, types, functions, triggers).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:45:00

On PostgreSQL, background work runs on procrastinate's queue (``docflow worker``);
this applies the schema SQL of the installed procrastinate 3.x (pinned in
pyproject.toml; a later major version brings its own migrations, applied in a later
revision). SQLite keeps the ``job`` table and is not changed. Downgrade drops every
``procrastinate_*`` object, with any work still queued there.
"""
from collections.abc import Sequence
from importlib import resources

from alembic import op
from sqlalchemy.util import await_only

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_status",
          "procrastinate_job_event_type")
_TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
           "procrastinate_workers")
_DROP_FUNCTIONS = r"""
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS signature
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%'
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.signature || ' CASCADE';
    END LOOP;
END;
$$;
"""


def _run_script(sql: str) -> None:
    """Several statements (``DO`` blocks, functions) in one go, in the migration's
    transaction: asyncpg's simple protocol takes a script, a prepared statement does not."""
    bind = op.get_bind()
    driver = bind.connection.dbapi_connection.driver_connection  # type: ignore[union-attr]
    if hasattr(driver, "fetchval"):  # asyncpg, under alembic's greenlet
        await_only(driver.execute(sql))
    else:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script((resources.files("procrastinate.sql") / "schema.sql").read_text("utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    _run_script(_DROP_FUNCTIONS)
    for type_name in _TYPES:
        op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")
