"""The competent person's signature through the external two-step flow.

``prepare_signature`` reserves the signature in a new revision built on the latest
version and keeps it (prepared file in the store, ``PreparedSignature`` in a
``signing_session`` row, 15 minutes); ``complete_signature`` checks the client's
signature against the enrolled certificate and writes the signed version. Refusals
change nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from docflow.accounts.access import deny
from docflow.accounts.models_certificate import PersonalCertificate
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession, release_after_reading
from docflow.core.errors import ConflictError, DomainError, InvalidInput, NotFoundError
from docflow.core.keys import SigningConfig
from docflow.core.models_base import utcnow
from docflow.core.signing_pool import SigningPool
from docflow.documents import notices
from docflow.documents.documents import approval_field, latest_version, load_readable
from docflow.documents.files import (
    is_duplicate,
    materialize,
    run_job,
    store_version,
    working_dir,
)
from docflow.documents.issuance import DEFAULT_LEADER_FIELD
from docflow.documents.models import (
    Document,
    DocumentState,
    DocumentVersion,
    SigningSession,
    VersionSource,
)
from docflow.documents.signing_jobs import job_complete, job_prepare
from docflow.documents.states import move_state
from storage import ObjectStore

__all__ = ["PreparedAnswer", "SESSION_LIFETIME", "complete_signature", "prepare_signature"]

SESSION_LIFETIME = timedelta(minutes=15)


class SessionExpired(DomainError):
    status_code = 410
    code = "signing_session_expired"


@dataclass(frozen=True)
class PreparedAnswer:
    session_id: str
    to_be_signed: str
    algorithm: str
    expires_at: datetime


@dataclass(frozen=True)
class Turn:
    """Whose signature comes next and into which field."""

    user_id: int
    field_name: str
    produced_by: VersionSource
    """``APPROVAL`` for an approver, ``LEADER_SIGNATURE`` for the signer (last)."""


async def next_turn(session: AsyncSession, document: Document) -> Turn:
    """Approvers in their order, then the signer."""
    done = (
        await session.exec(
            select(func.count()).where(
                DocumentVersion.document_id == document.id,
                DocumentVersion.produced_by == VersionSource.APPROVAL.value,
            )
        )
    ).one()
    if done < len(document.approver_ids):
        return Turn(document.approver_ids[done], approval_field(done + 1), VersionSource.APPROVAL)
    field = document.layout.get("leader_field", DEFAULT_LEADER_FIELD)
    return Turn(document.signer_id, field, VersionSource.LEADER_SIGNATURE)


async def _signable(
    session: AsyncSession, principal: Principal, document_id: int, action: str
) -> tuple[Document, Turn]:
    document = await load_readable(session, principal, document_id)
    signers = [*document.approver_ids, document.signer_id]
    if principal.user_id not in signers:
        await deny(
            session,
            principal,
            action=action,
            subject_type="document",
            subject_id=document_id,
            message="Only the signer (and the approvers) named on the document may sign it.",
        )
    if document.state in (DocumentState.RETURNED.value, DocumentState.WITHDRAWN.value):
        raise ConflictError(
            f"Document {document_id} is {document.state}: it waits for its drafter, not "
            "for a signature (a returned draft is signed once resubmitted).",
            code="draft_not_signable",
        )
    if document.state != DocumentState.DRAFT.value:
        raise ConflictError(
            f"Document {document_id} is already signed ({document.state}); a person "
            "signs a document once.",
            code="already_signed",
        )
    turn = await next_turn(session, document)
    if turn.user_id != principal.user_id:
        if signers.index(principal.user_id) < signers.index(turn.user_id):
            raise ConflictError(
                f"You already signed document {document_id}; a person signs a document once.",
                code="already_signed",
            )
        waiting = await session.get(User, turn.user_id)
        name = waiting.username if waiting else str(turn.user_id)
        raise ConflictError(
            f"Document {document_id} is waiting for {name} to sign first (signing order).",
            code="signing_order",
        )
    return document, turn


async def prepare_signature(
    session: AsyncSession,
    principal: Principal,
    document_id: int,
    certificate_id: int,
    *,
    store: ObjectStore,
    workers: SigningPool,
    config: SigningConfig,
) -> PreparedAnswer:
    """Prepare ``principal``'s signature of the document's newest version with their
    certificate: the signing session holds the prepared file and what to sign."""
    document, turn = await _signable(session, principal, document_id, "document.sign")
    now = utcnow()
    cert = await _usable_certificate(session, principal, certificate_id, now)
    user = await session.get(User, principal.user_id)
    assert user is not None
    base = await latest_version(session, document_id)
    await release_after_reading(session)  # no idle transaction while a worker is awaited
    prepared_json = await _prepare_file(
        base, cert, turn.field_name, user.full_name,
        store=store, workers=workers, config=config,
    )
    prepared = json.loads(prepared_json)
    row = SigningSession(
        id=str(uuid.uuid4()),
        document_id=document_id,
        user_id=principal.user_id,
        certificate_id=certificate_id,
        base_version=base.version,
        prepared_sha256=prepared["prepared_sha256"],
        prepared=prepared_json,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    await record_event(
        session,
        "document.signature_prepared",
        actor=principal,
        subject_type="document",
        subject_id=document_id,
        details={
            "session_id": row.id,
            "base_sha256": base.sha256,
            "prepared_sha256": row.prepared_sha256,
            "certificate_id": certificate_id,
        },
    )
    return PreparedAnswer(
        session_id=row.id,
        to_be_signed=prepared["to_be_signed"],
        algorithm=prepared["algorithm"],
        expires_at=row.expires_at,
    )


async def _usable_certificate(
    session: AsyncSession, principal: Principal, certificate_id: int, now: datetime
) -> PersonalCertificate:
    """``principal``'s enrolled certificate ``certificate_id``, valid at ``now`` (422
    otherwise)."""
    cert = await session.get(PersonalCertificate, certificate_id)
    if cert is None or cert.user_id != principal.user_id:
        raise InvalidInput(
            f"Certificate {certificate_id} is not one of your enrolled certificates."
        )
    if cert.revoked_at is not None:
        raise InvalidInput(f"Certificate {certificate_id} was revoked; enrol a new key.")
    if not cert.not_before <= now <= cert.not_after:
        raise InvalidInput(f"Certificate {certificate_id} is not valid now.")
    return cert


async def _prepare_file(
    base: DocumentVersion,
    cert: PersonalCertificate,
    field: str,
    full_name: str,
    *,
    store: ObjectStore,
    workers: SigningPool,
    config: SigningConfig,
) -> str:
    """Reserve the signature in ``field`` on a revision of ``base`` (in a signing
    worker), keep the prepared file in ``store``; the prepared data (JSON)."""
    with working_dir() as tmp:
        src = await materialize(store, base.sha256, tmp / "base.pdf")
        prepared_path = tmp / "prepared.pdf"
        prepared_json: str = await run_job(
            workers,
            job_prepare,
            str(src),
            str(prepared_path),
            cert.certificate_pem.encode(),
            field,
            full_name,
            config,
        )
        prepared = json.loads(prepared_json)
        await anyio.to_thread.run_sync(
            lambda: store.put_file(
                prepared_path, expected_sha256=prepared["prepared_sha256"]
            )
        )
    return prepared_json


async def complete_signature(
    session: AsyncSession,
    principal: Principal,
    document_id: int,
    session_id: str,
    signature_b64: str,
    *,
    store: ObjectStore,
    workers: SigningPool,
    config: SigningConfig,
) -> Document:
    """Embed the browser's signature value into the prepared file: the document's next
    version (``ConflictError`` when a concurrent request signed first)."""
    row = await _open_signing_session(session, principal, document_id, session_id)
    document, turn = await _signable(session, principal, document_id, "document.sign.complete")
    base = await latest_version(session, document_id)
    if base.version != row.base_version:
        raise ConflictError("The document changed since this signature was prepared.")
    # Checked; no idle transaction while a worker is awaited. Two completions at once
    # still make one version: (document, version) is unique.
    await release_after_reading(session)
    with working_dir() as tmp:
        prepared_path = await materialize(store, row.prepared_sha256, tmp / "prepared.pdf")
        out = tmp / "signed.pdf"
        result = await run_job(
            workers,
            job_complete,
            str(prepared_path),
            str(out),
            row.prepared,
            signature_b64,
            config,
        )
        await store_version(
            store,
            session,
            document_id,
            base.version + 1,
            out,
            result["sha256"],
            turn.produced_by,
            principal.user_id,
        )
    await _record_signed(session, principal, document, turn, row, result["sha256"])
    return document


async def _open_signing_session(
    session: AsyncSession, principal: Principal, document_id: int, session_id: str
) -> SigningSession:
    """``principal``'s signing session ``session_id`` of the document, neither completed
    nor expired (404, 403, 409 or 410 otherwise)."""
    row = await session.get(SigningSession, session_id)
    if row is None or row.document_id != document_id:
        raise NotFoundError(f"There is no signing session {session_id} for this document.")
    if row.user_id != principal.user_id:
        await deny(
            session,
            principal,
            action="document.sign.complete",
            subject_type="signing_session",
            subject_id=session_id,
            message="This signing session belongs to someone else.",
        )
    if row.completed_at is not None:
        raise ConflictError("This signing session is already completed.")
    if utcnow() > row.expires_at:
        raise SessionExpired(
            "This signing session expired; prepare the signature again "
            f"(sessions last {int(SESSION_LIFETIME.total_seconds() // 60)} minutes)."
        )
    return row


async def _record_signed(
    session: AsyncSession,
    principal: Principal,
    document: Document,
    turn: Turn,
    row: SigningSession,
    sha256: str,
) -> None:
    """Close the signing session, mark the document signed after the signer's (last)
    signature, record the event; 409 when a concurrent request signed first."""
    now = utcnow()
    row.completed_at = now
    final = turn.produced_by is VersionSource.LEADER_SIGNATURE
    # Only a draft still waiting takes the signature: a return or a withdrawal that
    # committed while the file was being signed wins (409). An approval leaves the state
    # as it is, but the same conditional UPDATE refuses it on a draft no longer waiting
    # (and locks the row, so a withdrawal racing it comes after it, not beside it).
    await move_state(session, document, (DocumentState.DRAFT.value,),
                     DocumentState.SIGNED.value if final else DocumentState.DRAFT.value)
    if final:
        document.signed_at = now
    session.add(row)
    session.add(document)
    await record_event(
        session,
        "document.signed" if final else "document.approved",
        actor=principal,
        subject_type="document",
        subject_id=document.id,
        details={"sha256": sha256, "certificate_id": row.certificate_id},
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # the caller's transaction rolls back
        if is_duplicate(exc):
            raise ConflictError("The document was signed by a concurrent request.") from None
        raise
    if final:
        await notices.to_issue(session, document)
    else:  # the next approver, or the signer after the last approver
        signers = [*document.approver_ids, document.signer_id]
        await notices.to_sign(session, document, signers[signers.index(turn.user_id) + 1])
