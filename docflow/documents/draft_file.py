"""The drafter replaces a draft's file before anyone signs it.

The new PDF passes the upload's checks (page tree and time bounds, unencrypted,
unsigned, able to take the fields: ``documents.prepare_files`` in a signing worker);
it becomes two new versions, the file as sent (``replacement``) and its revision with
the signature and number/date fields (``fields``), after every earlier version, which
stays in the history. The state is checked again after the worker's run: a signature
that landed meanwhile refuses the replacement and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession, release_after_reading
from docflow.core.errors import ConflictError
from docflow.core.signing_pool import SigningPool
from docflow.documents.documents import latest_version, prepare_files
from docflow.documents.draft_life import check_unsigned, load_for_drafter
from docflow.documents.files import is_duplicate, store_version
from docflow.documents.models import Document, DocumentVersion, VersionSource
from storage import ObjectStore

__all__ = ["replace_file"]


async def replace_file(
    session: AsyncSession,
    principal: Principal,
    document_id: int,
    upload: Path,
    upload_sha256: str,
    *,
    store: ObjectStore,
    workers: SigningPool,
) -> DocumentVersion:
    """The draft's new file; the new latest version (the one with the fields)."""
    document = await load_for_drafter(session, principal, document_id, "document.replace")
    await check_unsigned(session, document)
    base = await latest_version(session, document_id)
    # the upload's layout again (boxes as tuples, as the upload gave them)
    layout = {k: tuple(v) if isinstance(v, list) else v
              for k, v in document.layout.items() if k != "approver_fields"}
    approvers = len(document.approver_ids)
    # Checked; the worker may take long under load: no idle transaction meanwhile.
    await release_after_reading(session)
    fields_path = upload.with_name("fields.pdf")
    fields_sha256 = await prepare_files(workers, upload, fields_path, layout, approvers, ())
    # Read again: someone may have signed, returned or withdrawn it while the file ran.
    document = await load_for_drafter(session, principal, document_id, "document.replace")
    await check_unsigned(session, document)
    if (await latest_version(session, document_id)).version != base.version:
        raise ConflictError(
            "The draft changed while its new file was being checked; reload and try again.",
            code="draft_changed",
        )
    await store_version(
        store, session, document_id, base.version + 1, upload, upload_sha256,
        VersionSource.REPLACEMENT, principal.user_id,
    )
    latest = await store_version(
        store, session, document_id, base.version + 2, fields_path, fields_sha256,
        VersionSource.FIELDS, principal.user_id,
    )
    await _record(session, principal, document, base, upload_sha256, fields_sha256)
    return latest


async def _record(
    session: AsyncSession,
    principal: Principal,
    document: Document,
    base: DocumentVersion,
    upload_sha256: str,
    fields_sha256: str,
) -> None:
    """The event; 409 when a concurrent request wrote a version first."""
    await record_event(
        session, "document.file_replaced", actor=principal, subject_type="document",
        subject_id=document.id,
        details={"previous_sha256": base.sha256, "upload_sha256": upload_sha256,
                 "sha256": fields_sha256},
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # the caller's transaction rolls back
        if is_duplicate(exc):
            raise ConflictError(
                "The draft changed while its new file was being stored; reload and try "
                "again.", code="draft_changed",
            ) from None
        raise
