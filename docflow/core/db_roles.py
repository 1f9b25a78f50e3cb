"""What the service's database role may do, granted by the owner role after migrating.

On PostgreSQL ``docflow db upgrade`` connects as the owner (DOCFLOW_MIGRATIONS_DATABASE_URL)
and then grants the service's role (the user of DOCFLOW_DATABASE_URL): SELECT, INSERT,
UPDATE and DELETE on the application's tables, but only SELECT and INSERT on the audit
trail's tables, and SELECT on ``alembic_version``. The service's role owns nothing, so it
can neither change its own rights nor switch off the triggers that refuse UPDATE, DELETE
and TRUNCATE on the audit tables. Grants are recomputed after every upgrade, so a table
added by a later revision gets its rights too. SQLite has no roles: one file, one user.
"""

from __future__ import annotations

from sqlalchemy import make_url, text

from docflow.core.audit_models import AUDIT_TABLES
from docflow.core.db import create_engine

__all__ = ["GrantReport", "grant_service_role"]


class GrantReport(str):
    """One line saying what was granted (or why nothing was)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def grant_service_role(owner_url: str, service_url: str) -> GrantReport:
    """Give the service's role exactly its rights on every table of the owner's schema."""
    owner, service = make_url(owner_url), make_url(service_url)
    if owner.get_backend_name() != "postgresql":
        return GrantReport("SQLite: no database roles to grant")
    if not service.username or service.username == owner.username:
        return GrantReport(
            "WARNING: the service connects as the tables' owner: an insider with its "
            "credentials can switch off the audit trail's protections; set "
            "DOCFLOW_MIGRATIONS_DATABASE_URL to a separate owner role"
        )
    role = _quote(service.username)
    engine = create_engine(owner_url)
    try:
        async with engine.begin() as conn:
            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    )
                )
            ).scalars().all()
            await conn.execute(text(f"GRANT USAGE ON SCHEMA {_quote('public')} TO {role}"))
            for table in sorted(tables):
                name = _quote(table)
                await conn.execute(text(f"REVOKE ALL ON {name} FROM {role}"))
                if table in AUDIT_TABLES:
                    rights = "SELECT, INSERT"
                elif table == "alembic_version":
                    rights = "SELECT"
                else:
                    rights = "SELECT, INSERT, UPDATE, DELETE"
                await conn.execute(text(f"GRANT {rights} ON {name} TO {role}"))
            await conn.execute(
                text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
            )
    finally:
        await engine.dispose()
    return GrantReport(
        f"granted {service.username}: insert and select only on {', '.join(AUDIT_TABLES)}"
    )
