"""Drafts of outgoing documents and their immutable versions.

``create_draft`` checks the metadata and the PDF, adds the signature and number/date
fields in a first revision (in a signing worker), stores both files (content-addressed,
hash-checked) and only then writes the rows. Reads follow ``docflow.accounts.permissions``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import AgencyCode
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import Principal, can_change, can_read_as_issuer
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession, release_after_reading
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.signing_pool import SigningPool
from docflow.documents import notices
from docflow.documents.draft_request import DraftRequest
from docflow.documents.files import (
    UPLOAD_JOB_SECONDS,
    ServiceUnavailable,
    is_duplicate,
    materialize,
    run_job,
    store_attachment,
    store_version,
    stream_object,
    working_dir,
)
from docflow.documents.models import (
    Document,
    DocumentAttachment,
    DocumentVersion,
    VersionSource,
)
from docflow.documents.pdf_bounds import job_check_attachment, job_check_page_tree
from docflow.documents.reading import document_facts, load_for_issuer_side
from docflow.documents.signing_jobs import job_add_fields
from docflow.documents.upload_key import RepeatedUpload
from storage import ObjectStore

__all__ = [
    "DraftRequest",
    "ServiceUnavailable",
    "is_duplicate",
    "stream_object",
    "attachments_of",
    "check_can_draft",
    "check_recipients",
    "create_draft",
    "latest_version",
    "load_readable",
    "materialize",
    "prepare_files",
    "run_job",
    "signer_of",
    "store_version",
    "versions_of",
    "working_dir",
]

# --------------------------------------------------------------------------- drafts


async def signer_of(session: AsyncSession, principal: Principal, username: str) -> User:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or user.agency_id != principal.agency_id or not user.is_active:
        raise InvalidInput(f"signer {username!r} is not a person of your agency.")
    is_leader = (
        await session.exec(
            select(UserRole).where(UserRole.user_id == user.id, UserRole.role == Role.LEADER)
        )
    ).first()
    if is_leader is None:
        raise InvalidInput(f"signer {username!r} is not a leader (lãnh đạo) of your agency.")
    return user


async def check_recipients(session: AsyncSession, codes: tuple[str, ...]) -> None:
    if not codes:
        return
    known = set(
        (await session.exec(select(AgencyCode.code).where(col(AgencyCode.code).in_(codes)))).all()
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput("Unknown recipient agency codes: " + ", ".join(unknown) + ".")


async def _reader_ids(
    session: AsyncSession, principal: Principal, usernames: tuple[str, ...]
) -> list[int]:
    """Named readers: people of the drafting agency only (a confidential document reaches
    another agency through its clerks, never through a name on the draft)."""
    if not usernames:
        return []
    users = (await session.exec(select(User).where(col(User.username).in_(usernames)))).all()
    found = {u.username: u for u in users}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise InvalidInput("Unknown readers: " + ", ".join(missing) + ".")
    foreign = [u for u in usernames if found[u].agency_id != principal.agency_id]
    if foreign:
        raise InvalidInput(
            "readers must be people of your agency; "
            + ", ".join(foreign)
            + " belong to another agency (send the document to that agency instead: its "
            "clerks register it and assign it to the right people)."
        )
    # stored rows all have an id (the model's is Optional only before the insert)
    return [i for u in usernames if (i := found[u].id) is not None]


async def _approver_ids(
    session: AsyncSession, principal: Principal, usernames: tuple[str, ...], signer: User
) -> list[int]:
    ids: list[int] = []
    for username in usernames:
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None or user.agency_id != principal.agency_id or not user.is_active:
            raise InvalidInput(f"approver {username!r} is not a person of your agency.")
        if user.id == signer.id:
            raise InvalidInput(f"approver {username!r} is the signer; the signer signs last.")
        assert user.id is not None  # a stored row
        ids.append(user.id)
    return ids


async def check_can_draft(session: AsyncSession, principal: Principal) -> None:
    """403 for people who may not draft (auditors); before reading any upload."""
    if not can_change(principal, principal.agency_id):
        await deny(
            session,
            principal,
            action="document.create",
            subject_type="agency",
            subject_id=principal.agency_id,
            message="An auditor reads but does not draft documents.",
        )


def approval_field(position: int) -> str:
    """The (invisible) signature field of the ``position``-th approver (1-based)."""
    return f"PheDuyet{position}"


async def create_draft(
    session: AsyncSession,
    principal: Principal,
    upload: Path,
    upload_sha256: str,
    request: DraftRequest,
    attachments: tuple[tuple[str, Path, str], ...] = (),
    *,
    store: ObjectStore,
    workers: SigningPool,
    upload_key: str | None = None,
) -> Document:
    """A new draft: the upload (version 1) and the revision with the fields (version 2);
    ``attachments`` are (file name, path, SHA-256) of separate PDFs sent with it. The
    files are checked and prepared in ``workers`` and kept in ``store``. ``upload_key``
    (``docflow.documents.upload_key``): ``RepeatedUpload`` when a concurrent request
    with the same key made its draft first (the caller's transaction rolls back)."""
    await check_can_draft(session, principal)
    signer = await signer_of(session, principal, request.signer)
    await check_recipients(session, request.recipients)
    readers = await _reader_ids(session, principal, request.readers)
    approvers = await _approver_ids(session, principal, request.approvers, signer)
    # Checked: the files' checks and preparation queue for a signing worker, which may
    # take long under load; no connection waits idle in a transaction meanwhile.
    await release_after_reading(session)
    fields_path = upload.with_name("fields.pdf")
    fields_sha256 = await prepare_files(
        workers, upload, fields_path, request.layout, len(approvers), attachments
    )
    document = _new_document(principal, request, signer, readers, approvers)
    document.upload_key = upload_key
    session.add(document)
    try:
        await session.flush()
    except IntegrityError as exc:
        if upload_key is not None and is_duplicate(exc):
            raise RepeatedUpload("This upload was sent twice at once.") from None
        raise
    assert document.id is not None
    await _store_draft_files(
        session, store, principal, document.id,
        (upload, upload_sha256), (fields_path, fields_sha256), attachments,
    )
    await record_event(
        session,
        "document.created",
        actor=principal,
        subject_type="document",
        subject_id=document.id,
        details={"sha256": fields_sha256, "upload_sha256": upload_sha256},
    )
    await notices.to_sign(session, document, [*approvers, document.signer_id][0])
    return document


async def prepare_files(
    workers: SigningPool,
    upload: Path,
    fields_path: Path,
    request_layout: dict[str, Any],
    approver_count: int,
    attachments: tuple[tuple[str, Path, str], ...],
) -> str:
    """Check the upload and the attachments and write the revision with the fields to
    ``fields_path``, in ``workers``; its SHA-256."""
    # every sender-side field, approvers' included, exists before anyone signs: each
    # signature's lock then names exactly what it freezes
    approver_fields = [approval_field(i + 1) for i in range(approver_count)]
    layout = {**request_layout, "approver_fields": approver_fields}
    # Bounded here, before any lock exists: pages, page tree, time (see pdf_bounds).
    await run_job(workers, job_check_page_tree, str(upload), timeout=UPLOAD_JOB_SECONDS)
    fields = await run_job(workers, job_add_fields, str(upload), str(fields_path), layout,
        timeout=UPLOAD_JOB_SECONDS,
    )
    for name, path, _sha in attachments:
        try:
            # As strict as the main file: issuance signs it inside the register's lock.
            await run_job(workers, job_check_attachment, str(path),
                          str(path.with_name(f"{path.stem}-trial.pdf")),
                          timeout=UPLOAD_JOB_SECONDS)
        except InvalidInput as exc:
            raise InvalidInput(f"Attachment {name!r}: {exc}") from None
    sha256: str = fields["sha256"]
    return sha256


def _new_document(
    principal: Principal,
    request: DraftRequest,
    signer: User,
    readers: list[int],
    approvers: list[int],
) -> Document:
    """The draft's row (not yet added to the session)."""
    assert signer.id is not None
    return Document(
        agency_id=principal.agency_id,
        created_by_id=principal.user_id,
        document_type=request.document_type,
        subject=request.subject,
        urgency=request.urgency,
        confidentiality=request.confidentiality,
        signer_id=signer.id,
        recipients=list(request.recipients),
        drafting_unit=request.drafting_unit,
        place=request.place,
        named_reader_ids=readers,
        approver_ids=approvers,
        layout={k: list(v) if isinstance(v, tuple) else v for k, v in request.layout.items()},
        due_at=request.due_at,
    )


async def _store_draft_files(
    session: AsyncSession,
    store: ObjectStore,
    principal: Principal,
    document_id: int,
    upload: tuple[Path, str],
    fields: tuple[Path, str],
    attachments: tuple[tuple[str, Path, str], ...],
) -> None:
    """Version 1 (the upload), version 2 (with the fields) and the attachments; each
    ``(path, SHA-256)``."""
    for number, (path, sha), source in (
        (1, upload, VersionSource.UPLOAD),
        (2, fields, VersionSource.FIELDS),
    ):
        await store_version(
            store, session, document_id, number, path, sha, source, principal.user_id
        )
    for position, (name, path, sha) in enumerate(attachments, start=1):
        await store_attachment(store, session, document_id, position, name, path, sha)


# --------------------------------------------------------------------------- reads


def readable(principal: Principal, document: Document) -> bool:
    """Whether ``principal`` reads ``document`` on the issuing agency's side (the one read
    rule, ``docflow.documents.reading``)."""
    return can_read_as_issuer(principal, document_facts(document))


async def load_readable(session: AsyncSession, principal: Principal, document_id: int) -> Document:
    """The document if ``principal`` may read it; 404 otherwise (existence does not leak).
    A confidential document's read is recorded (once per person and window)."""
    return await load_for_issuer_side(session, principal, document_id)


async def versions_of(session: AsyncSession, document_id: int) -> list[DocumentVersion]:
    query = (
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
        .order_by(col(DocumentVersion.version))
    )
    return list((await session.exec(query)).all())


async def attachments_of(session: AsyncSession, document_id: int) -> list[DocumentAttachment]:
    query = (
        select(DocumentAttachment)
        .where(DocumentAttachment.document_id == document_id)
        .order_by(col(DocumentAttachment.position))
    )
    return list((await session.exec(query)).all())


async def latest_version(session: AsyncSession, document_id: int) -> DocumentVersion:
    query = (
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
        .order_by(col(DocumentVersion.version).desc())
        .limit(1)
    )
    row = (await session.exec(query)).first()
    if row is None:  # pragma: no cover - a document always has its upload
        raise ConflictError(f"Document {document_id} has no stored version.")
    return row
