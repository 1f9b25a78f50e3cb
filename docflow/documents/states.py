"""Moving a document from one state to another under concurrency: the move happens only
if the stored state is still what the caller read, so a signature and a return (or a
withdrawal) that race end with exactly one of them done and the other refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError
from docflow.documents.models import Document

__all__ = ["move_state"]

_DOCUMENT: Any = Document.__table__  # type: ignore[attr-defined]


async def move_state(
    session: AsyncSession, document: Document, from_states: tuple[str, ...], to_state: str
) -> None:
    """Move the document to ``to_state`` only if its stored state is still one of
    ``from_states`` (a conditional UPDATE: a signature, a return or a withdrawal that
    committed meanwhile wins, and this one is refused with 409, changing nothing)."""
    conn = await session.connection()
    result = await conn.execute(
        update(_DOCUMENT)
        .where(_DOCUMENT.c.id == document.id, _DOCUMENT.c.state.in_(from_states))
        .values(state=to_state)
    )
    if not result.rowcount:
        raise ConflictError(
            f"Document {document.id} changed meanwhile (someone signed, returned or "
            "withdrew it); reload it and try again.",
            code="draft_changed",
        )
    document.state = to_state
