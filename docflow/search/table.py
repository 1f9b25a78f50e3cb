"""The search index's table, ``search_entry`` (migration 0017): one row per document,
the folded text of its metadata, subject and text layer.

Not a SQLModel table: its full-text part differs by database and is made by the
migration only. On PostgreSQL a stored generated ``tsv`` column (``to_tsvector('simple',
...)`` of the three columns, weighted A/B/C) with a GIN index; on SQLite the FTS5 table
``search_fts`` over the same columns (external content, kept in step by triggers).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, Text

__all__ = ["FTS_TABLE", "SEARCH_ENTRY"]

_METADATA = MetaData()

SEARCH_ENTRY = Table(
    "search_entry",
    _METADATA,
    Column("document_id", Integer, primary_key=True, autoincrement=False),
    #: Number, symbol, type, issuing agency's name, abbreviation and codes.
    Column("meta", Text, nullable=False),
    #: Empty for a confidential document (its subject is not indexed).
    Column("subject", Text, nullable=False),
    #: The text layer (bounded); empty for a confidential document.
    Column("body", Text, nullable=False),
    Column("confidential", Boolean, nullable=False),
    #: " 3 7 12 ": the issuing side's named readers of a confidential document (drafter,
    #: signer, approvers, named readers), for the read rule in SQL.
    Column("readers", Text, nullable=False),
    Column("indexed_at", DateTime(timezone=True), nullable=False),
)

FTS_TABLE = "search_fts"
