"""The same upload sent twice makes one draft.

The upload page's form carries a nonce (``upload_key``); API clients may send their own
idempotency key the same way. A draft remembers the key it came with, unique per
uploader (``ux_document_upload_key``): a repeated request with that key and the same
file answers with the draft the first one made (a double click, a retry after a lost
answer), with another file it is refused (the form was reused: reload the page).
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.documents.models import Document, DocumentVersion

__all__ = ["RepeatedUpload", "check_upload_key", "earlier_draft"]

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class RepeatedUpload(ConflictError):
    """A concurrent request with the same key made its draft first."""


def check_upload_key(raw: Any) -> str | None:
    """The key of the form part ``upload_key`` (``None`` when absent or empty)."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _KEY.fullmatch(raw):
        raise InvalidInput("upload_key must be 16 to 64 letters, digits, '-' or '_'.")
    return raw


async def earlier_draft(
    session: AsyncSession, principal: Principal, key: str | None, upload_sha256: str
) -> Document | None:
    """The draft this person already made with ``key``, if any; 409 when it was made
    from another file."""
    if key is None:
        return None
    query = select(Document).where(
        col(Document.created_by_id) == principal.user_id, col(Document.upload_key) == key
    )
    document = (await session.exec(query)).first()
    if document is None:
        return None
    first = (
        await session.exec(
            select(DocumentVersion.sha256).where(
                col(DocumentVersion.document_id) == document.id, col(DocumentVersion.version) == 1
            )
        )
    ).first()
    if first != upload_sha256:
        raise ConflictError(
            f"This upload form already sent draft {document.id} with another file; "
            "reload the page to upload a new draft."
        )
    return document
