"""Audit trail over event digests in insert-only tables: ``audit_log``, new checkpoints.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00

Before: each event hashed its predecessor's hash with its own content (``prev_hash``,
``hash``) and a one-row ``audit_chain_head`` was updated on every append. After: each
event carries ``digest = SHA-256(canonical content)`` (no number, no link), ``audit_log``
orders digests and chains them (``chain = SHA-256(previous chain ‖ digest)``), and
checkpoints sign statements about the log. Nothing is updated any more: every audit
table refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) by trigger, for any role.

Upgrading re-hashes existing events, so it first checks the old chain (every link and
hash, and the hash each old checkpoint signed) and refuses a trail that does not hold:
re-hashing it would launder the tampering. Old checkpoints are kept, one per seq, with
their statement rebuilt byte for byte (their signatures stay valid); they only say how
long the trail was. Downgrading recomputes the old chain, head and trigger and keeps the
old-style checkpoints; checkpoints signed after this revision cannot be expressed before
it and are dropped.

The canonical forms below are frozen copies (a revision must not import application
code): the digest rule is the one ``docflow.core.audit_digest`` defines.
"""
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - AutoString as autogenerate renders it
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("audit_event", "audit_log", "audit_checkpoint")
ZERO = "0" * 64
BATCH = 5000
LEGACY_LABEL = "docflow-audit"

_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

_event = sa.table(
    "audit_event",
    sa.column("seq", sa.Integer()),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_user_id", sa.Integer()),
    sa.column("actor_agency_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.String()),
    sa.column("request_id", sa.String()),
    sa.column("details", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
    sa.column("digest", sa.String()),
)
_log = sa.table(
    "audit_log",
    sa.column("position", sa.Integer()),
    sa.column("event_seq", sa.Integer()),
    sa.column("digest", sa.String()),
    sa.column("chain", sa.String()),
)
_old_checkpoint = sa.table(
    "audit_checkpoint",
    sa.column("id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("hash", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("created_by_id", sa.Integer()),
    sa.column("reason", sa.String()),
    sa.column("signature", sa.LargeBinary()),
    sa.column("timestamp_token", sa.LargeBinary()),
    sa.column("timestamp_time", sa.DateTime(timezone=True)),
)
_new_checkpoint = sa.table(
    "audit_checkpoint",
    sa.column("size", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("created_by_id", sa.Integer()),
    sa.column("reason", sa.String()),
    sa.column("statement", sa.LargeBinary()),
    sa.column("signature", sa.LargeBinary()),
    sa.column("timestamp_token", sa.LargeBinary()),
    sa.column("timestamp_time", sa.DateTime(timezone=True)),
    sa.column("frontier", sa.LargeBinary()),
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _content(row: Any) -> dict[str, Any]:
    return {
        "occurred_at": _utc(row.occurred_at).isoformat(timespec="microseconds"),
        "actor_user_id": row.actor_user_id,
        "actor_agency_id": row.actor_agency_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "request_id": row.request_id,
        "details": row.details,
    }


def _digest(row: Any) -> str:
    return hashlib.sha256(_canonical(_content(row)).encode("utf-8")).hexdigest()


def _legacy_hash(row: Any, prev_hash: str) -> str:
    body = _canonical({**_content(row), "seq": row.seq, "prev_hash": prev_hash})
    return hashlib.sha256(prev_hash.encode("ascii") + body.encode("utf-8")).hexdigest()


def _chain(previous: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(digest)).hexdigest()


def _legacy_statement(seq: int, head_hash: str, created_at: datetime) -> bytes:
    body = {
        "chain": LEGACY_LABEL,
        "seq": seq,
        "hash": head_hash,
        "created_at": _utc(created_at).isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def _events(bind: Any, *columns: str) -> Iterator[Any]:
    last = 0
    while True:
        rows = bind.execute(
            sa.select(*(_event.c[name] for name in ("seq", "occurred_at", "actor_user_id",
                                                    "actor_agency_id", "action", "subject_type",
                                                    "subject_id", "request_id", "details",
                                                    *columns)))
            .where(_event.c.seq > last)
            .order_by(_event.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def _drop_protection(bind: Any) -> None:
    postgres = bind.dialect.name == "postgresql"
    for table in TABLES:
        for suffix in ("no_update", "no_delete", "no_truncate"):
            name = f"{table}_{suffix}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")


def _protect(bind: Any) -> None:
    """Refuse UPDATE, DELETE (and TRUNCATE) on the audit tables, whoever asks."""
    if bind.dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
            )
        return
    for table in TABLES:
        for operation, suffix in (("UPDATE", "no_update"), ("DELETE", "no_delete")):
            op.execute(
                f"CREATE TRIGGER {table}_{suffix} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _legacy_problem(row: Any, expected: int, previous: str, checkpoints: dict[int, Any]) -> str:
    if row.seq != expected:
        return f"event {expected} is missing"
    if row.prev_hash != previous:
        return f"event {row.seq} does not link to the one before"
    if _legacy_hash(row, previous) != row.hash:
        return f"event {row.seq} does not match its hash"
    if row.seq in checkpoints and checkpoints[row.seq].hash != row.hash:
        return f"event {row.seq} differs from what a signed checkpoint recorded"
    return ""


def _old_checkpoints(bind: Any) -> dict[int, Any]:
    """The first old checkpoint of each seq (later ones at the same seq repeat its claim)."""
    rows = bind.execute(sa.select(_old_checkpoint).order_by(_old_checkpoint.c.id)).all()
    kept: dict[int, Any] = {}
    for row in rows:
        kept.setdefault(row.seq, row)
    return kept


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        op.execute("DROP TRIGGER IF EXISTS audit_event_advance_head ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_advance_head()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_advance_head")
    checkpoints = _old_checkpoints(bind)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    expected, previous_hash = 1, ZERO
    for rows in _events(bind, "prev_hash", "hash"):
        digests = []
        for row in rows:
            problem = _legacy_problem(row, expected, previous_hash, checkpoints)
            if problem:
                raise RuntimeError(
                    f"the audit trail does not hold ({problem}); it was not re-hashed. "
                    "Investigate with `audit verify` of the release that wrote it first."
                )
            digests.append({"s": row.seq, "d": _digest(row)})
            expected, previous_hash = expected + 1, row.hash
        bind.execute(
            _event.update().where(_event.c.seq == sa.bindparam("s")).values(digest=sa.bindparam("d")),
            digests,
        )
    beyond = [seq for seq in checkpoints if seq >= expected]
    if beyond:
        raise RuntimeError(
            f"the audit trail does not hold (a signed checkpoint names event {min(beyond)}, "
            "which is not stored); it was not re-hashed."
        )

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('digest', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.drop_constraint('uq_audit_event_hash', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.create_table('audit_log',
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('chain', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_seq'], ['audit_event.seq'], name=op.f('fk_audit_log_event_seq_audit_event')),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('event_seq', name=op.f('uq_audit_log_event_seq'))
    )
    chain, last = ZERO, 0
    while True:
        rows = bind.execute(
            sa.select(_event.c.seq, _event.c.digest)
            .where(_event.c.seq > last).order_by(_event.c.seq).limit(BATCH)
        ).all()
        if not rows:
            break
        entries = []
        for row in rows:
            chain = _chain(chain, row.digest)
            entries.append({"position": row.seq, "event_seq": row.seq, "digest": row.digest,
                            "chain": chain})
        bind.execute(_log.insert(), entries)
        last = rows[-1].seq
    op.drop_table('audit_chain_head')

    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_checkpoint_seq')
    op.drop_table('audit_checkpoint')
    op.create_table('audit_checkpoint',
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('statement', sa.LargeBinary(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_token', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_audit_checkpoint'))
    )
    if checkpoints:
        bind.execute(
            _new_checkpoint.insert(),
            [
                {
                    "size": row.seq,
                    "created_at": row.created_at,
                    "created_by_id": row.created_by_id,
                    "reason": row.reason,
                    "statement": _legacy_statement(row.seq, row.hash, row.created_at),
                    "signature": row.signature,
                    "timestamp_token": row.timestamp_token,
                    "timestamp_time": row.timestamp_time,
                    "frontier": b"",
                }
                for row in checkpoints.values()
            ],
        )
    _protect(bind)


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    _drop_protection(bind)
    legacy = []
    for row in bind.execute(sa.select(_new_checkpoint).order_by(_new_checkpoint.c.size)).all():
        claim = json.loads(row.statement)
        if claim.get("chain") == LEGACY_LABEL and "hash" in claim:
            legacy.append({**row._asdict(), "hash": claim["hash"]})

    op.drop_table('audit_log')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    previous, last_seq = ZERO, 0
    for rows in _events(bind):
        links = []
        for row in rows:
            value = _legacy_hash(row, previous)
            links.append({"s": row.seq, "p": previous, "h": value})
            previous, last_seq = value, row.seq
        bind.execute(
            _event.update()
            .where(_event.c.seq == sa.bindparam("s"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
            links,
        )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_audit_event_hash', ['hash'])
        batch_op.drop_column('digest')

    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.bulk_insert(
        sa.table("audit_chain_head", sa.column("id", sa.Integer()),
                 sa.column("last_seq", sa.Integer()), sa.column("last_hash", sa.String())),
        [{"id": 1, "last_seq": last_seq, "last_hash": previous}],
    )

    op.drop_table('audit_checkpoint')
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_token', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_seq'), ['seq'], unique=False)
    if legacy:
        bind.execute(
            _old_checkpoint.insert(),
            [
                {key: row[key] for key in ("created_at", "created_by_id", "reason", "signature",
                                           "timestamp_token", "timestamp_time", "hash")}
                | {"seq": row["size"]}
                for row in legacy
            ],
        )

    if postgres:
        op.execute(
            """
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            """
            CREATE FUNCTION audit_event_advance_head() RETURNS trigger AS $$
            BEGIN
                UPDATE audit_chain_head SET last_hash = NEW.hash WHERE id = 1;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_advance_head AFTER INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_advance_head()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_event_advance_head AFTER INSERT ON audit_event "
            "BEGIN UPDATE audit_chain_head SET last_hash = NEW.hash WHERE id = 1; END"
        )
