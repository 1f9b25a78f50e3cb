"""Writing the search index: ``index_document`` folds one document's metadata, subject
and text layer into its ``search_entry`` row (replacing the one before); ``reindex``
does it for every document (``docflow search reindex``, after migration 0017).

A confidential document is indexed by its metadata only (number, symbol, type, issuing
agency): neither its subject nor its text is stored here, so no search for a word of
them can reveal it exists. Its issuing side's named readers are stored for the read
rule in SQL (``docflow.search.query``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.db import AsyncSession
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.files import materialize, working_dir
from docflow.documents.models import Confidentiality, Document, DocumentVersion
from docflow.search.extract import extract_text
from docflow.search.fold import fold, symbol_words
from docflow.search.table import SEARCH_ENTRY

__all__ = ["IndexedText", "index_document", "metadata_text", "reindex", "write_entry"]

logger = logging.getLogger("docflow.search")
REINDEX_BATCH = 200


@dataclass(frozen=True)
class IndexedText:
    """What one document's row holds (folded)."""

    meta: str
    subject: str
    body: str
    confidential: bool
    readers: str


def metadata_text(document: Document, agency: Agency | None, codes: list[str]) -> str:
    """Number (also with its leading zero), symbol, type and issuing agency, folded."""
    kind = DOCUMENT_TYPES.get(document.document_type)
    parts = [
        str(document.number) if document.number is not None else "",
        f"{document.number:02d}" if document.number is not None else "",
        document.symbol or "",
        symbol_words(document.symbol),
        kind.name if kind else document.document_type,
        agency.name if agency else "",
        agency.abbreviation if agency else "",
        *codes,
    ]
    return fold(" ".join(parts))


def _readers(document: Document) -> str:
    ids = {document.created_by_id, document.signer_id, *(document.approver_ids or ()),
           *(document.named_reader_ids or ())}
    return " " + " ".join(str(i) for i in sorted(ids)) + " "


async def write_entry(session: AsyncSession, document_id: int, text: IndexedText) -> None:
    """Replace ``document_id``'s row (on SQLite the triggers keep ``search_fts`` in step)."""
    conn = await session.connection()
    await conn.execute(delete(SEARCH_ENTRY).where(SEARCH_ENTRY.c.document_id == document_id))
    await conn.execute(insert(SEARCH_ENTRY).values(
        document_id=document_id, meta=text.meta, subject=text.subject, body=text.body,
        confidential=text.confidential, readers=text.readers, indexed_at=utcnow(),
    ))


async def _latest_sha256(session: AsyncSession, document_id: int) -> str | None:
    query = (
        select(DocumentVersion.sha256)
        .where(DocumentVersion.document_id == document_id)
        .order_by(col(DocumentVersion.version).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def _body(runtime: Runtime, sha256: str | None) -> str:
    if sha256 is None:
        return ""
    try:
        with working_dir() as tmp:
            path = await materialize(runtime.store, sha256, tmp / "index.pdf")
            text = await extract_text(runtime.signing_pool, path)
            return f"{fold(text)} {symbol_words(text)}".strip()
    except Exception as exc:  # noqa: BLE001 - a missing object: index the metadata only
        logger.warning("document text not indexed: %s", type(exc).__name__)
        return ""


async def index_document(runtime: Runtime, document_id: int) -> bool:
    """(Re)index one document; False if it does not exist. Idempotent."""
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None:
            return False
        agency = await session.get(Agency, document.agency_id)
        codes = list((await session.exec(
            select(AgencyCode.code).where(AgencyCode.agency_id == document.agency_id)
        )).all())
        sha256 = await _latest_sha256(session, document_id)
    confidential = document.confidentiality != Confidentiality.NONE.value
    text = IndexedText(
        meta=metadata_text(document, agency, codes),
        subject="" if confidential else (
            f"{fold(document.subject)} {symbol_words(document.subject)}".strip()),
        body="" if confidential else await _body(runtime, sha256),
        confidential=confidential,
        readers=_readers(document) if confidential else "",
    )
    async with runtime.transaction() as session:
        if await session.get(Document, document_id) is not None:
            await write_entry(session, document_id, text)
    return True


async def reindex(runtime: Runtime, *, missing_only: bool = False) -> int:
    """Index every document (or those without a row); the number indexed."""
    done, after = 0, 0
    while True:
        async with runtime.session() as session:
            query = select(Document.id).where(col(Document.id) > after)
            if missing_only:
                indexed = select(SEARCH_ENTRY.c.document_id)
                query = query.where(col(Document.id).not_in(indexed))
            ids = list((await session.exec(
                query.order_by(col(Document.id)).limit(REINDEX_BATCH)
            )).all())
        if not ids:
            return done
        for document_id in ids:
            assert document_id is not None
            done += await index_document(runtime, document_id)
        after = ids[-1] or after
