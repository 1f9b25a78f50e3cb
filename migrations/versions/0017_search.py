"""The search index: one folded row per document, full-text searchable without any
database extension.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 12:00:00

``search_entry`` holds the folded (no diacritics, lower case) metadata, subject and text
layer of each document (``docflow.search``). PostgreSQL: a stored generated tsvector
with the built-in 'simple' configuration and a GIN index. SQLite: an FTS5 table over the
same columns, kept in step by triggers. Existing documents are indexed by
``docflow search reindex`` (run it once after this upgrade: reading the text layer of
every stored PDF is not work for a migration).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TSV = (
    "setweight(to_tsvector('simple', meta), 'A') || "
    "setweight(to_tsvector('simple', subject), 'B') || "
    "setweight(to_tsvector('simple', body), 'C')"
)

_SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(meta, subject, body, "
    "content='search_entry', content_rowid='document_id', prefix='2 3')",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_fts(rowid, meta, subject, body) "
    "VALUES (new.document_id, new.meta, new.subject, new.body); END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, meta, subject, body) "
    "VALUES ('delete', old.document_id, old.meta, old.subject, old.body); END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, meta, subject, body) "
    "VALUES ('delete', old.document_id, old.meta, old.subject, old.body); "
    "INSERT INTO search_fts(rowid, meta, subject, body) "
    "VALUES (new.document_id, new.meta, new.subject, new.body); END",
]


def upgrade() -> None:
    op.create_table(
        "search_entry",
        # A document deleted some day takes its entry with it.
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("readers", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE search_entry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({_TSV}) STORED"
        )
        op.execute("CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv)")
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_entry_ai", "search_entry_ad", "search_entry_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_entry")
