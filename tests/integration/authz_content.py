"""The read rule's matrix: every route and page that returns a document's content, for
every acting role of the own agency and the province, on documents issued by the own
agency, received by it, and passing between two others — confidential and not.

``build_content`` writes the documents straight into the world's database (an issued
version, an attachment, one transfer), so the matrix costs no signing flow; the flows
themselves are pinned by test_documents_*.py and test_routing_*.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from sqlmodel import select

from docflow.accounts.models_agency import AgencyCode
from docflow.core.models_base import utcnow
from docflow.documents.models import (
    Document,
    DocumentAttachment,
    DocumentState,
    DocumentVersion,
    VersionSource,
)
from docflow.transfers.models import Transfer
from tests.integration.authz_world import ACTORS, World
from tests.pki import tiny_pdf

CLERK, LEADER, SPECIALIST, AUDITOR, ADMIN = (f"stttt.{r}" for r in
                                             ("clerk", "leader", "specialist", "auditor", "admin"))
PROVINCE_AUDITOR = "province.auditor"
EVERY_STTTT = {CLERK, LEADER, SPECIALIST, AUDITOR, ADMIN}


@dataclass(frozen=True)
class Case:
    """One document of the matrix and who reads it on each side."""

    issuer: str
    recipient: str
    confidential: bool
    #: Readers on the issuing side (versions, attachments, reports, evidence, page).
    issuer_side: frozenset[str]
    #: Readers of its transfer's file and arrival report (both sides).
    transfer_side: frozenset[str]
    readers: tuple[str, ...] = ()
    assigned_to: str | None = None


def _case(issuer: str, recipient: str, secret: bool, issuer_side: set[str],
          transfer_side: set[str], **kw: object) -> Case:
    return Case(issuer, recipient, secret, frozenset(issuer_side | {PROVINCE_AUDITOR}),
                frozenset(transfer_side | {PROVINCE_AUDITOR}), **kw)  # type: ignore[arg-type]


OWN_SECRET_READERS = {CLERK, LEADER, SPECIALIST, AUDITOR}  # clerk, signer, drafter, auditor
CASES: dict[str, Case] = {
    "own": _case("STTTT", "STC", False, EVERY_STTTT, EVERY_STTTT),
    "own-secret": _case("STTTT", "STC", True, OWN_SECRET_READERS, OWN_SECRET_READERS),
    "own-secret-named": _case("STTTT", "STC", True, OWN_SECRET_READERS | {ADMIN},
                              OWN_SECRET_READERS | {ADMIN}, readers=(ADMIN,)),
    "incoming": _case("STC", "STTTT", False, set(), EVERY_STTTT),
    # received in confidence: clerks, leaders, auditors (and the assignee) only
    "incoming-secret": _case("STC", "STTTT", True, set(), {CLERK, LEADER, AUDITOR}),
    "incoming-secret-assigned": _case("STC", "STTTT", True, set(),
                                      {CLERK, LEADER, AUDITOR, SPECIALIST},
                                      assigned_to=SPECIALIST),
    "elsewhere": _case("STC", "UBNDVT", False, set(), set()),
    "elsewhere-secret": _case("STC", "UBNDVT", True, set(), set()),
}


@dataclass(frozen=True)
class Built:
    document_id: int
    transfer_id: int


#: route -> (path for a document and its transfer, which side's readers get it)
CONTENT_ROUTES: dict[str, tuple[Callable[[Built], str], str]] = {
    "GET /api/v1/documents/{id}": (lambda b: f"/api/v1/documents/{b.document_id}", "issuer"),
    "GET /api/v1/documents/{id}/file": (
        lambda b: f"/api/v1/documents/{b.document_id}/file", "issuer"),
    "GET /api/v1/documents/{id}/file?version=1": (
        lambda b: f"/api/v1/documents/{b.document_id}/file?version=1", "issuer"),
    "GET /api/v1/documents/{id}/attachments/1/file": (
        lambda b: f"/api/v1/documents/{b.document_id}/attachments/1/file", "issuer"),
    "GET /api/v1/documents/{id}/verification": (
        lambda b: f"/api/v1/documents/{b.document_id}/verification", "issuer"),
    "GET /api/v1/documents/{id}/evidence": (
        lambda b: f"/api/v1/documents/{b.document_id}/evidence", "issuer"),
    "GET /api/v1/documents/{id}/transfers": (
        lambda b: f"/api/v1/documents/{b.document_id}/transfers", "issuer"),
    "GET /api/v1/documents/{id}/edxml": (
        lambda b: f"/api/v1/documents/{b.document_id}/edxml", "issuer"),
    "GET /api/v1/transfers/{tid}/file": (
        lambda b: f"/api/v1/transfers/{b.transfer_id}/file", "transfer"),
    "GET /api/v1/transfers/{tid}/verification": (
        lambda b: f"/api/v1/transfers/{b.transfer_id}/verification", "transfer"),
    "GET /api/v1/documents/{id}/comments": (
        lambda b: f"/api/v1/documents/{b.document_id}/comments", "issuer"),
    "GET /api/v1/documents/{id}/versions": (
        lambda b: f"/api/v1/documents/{b.document_id}/versions", "issuer"),
    "page /documents/{id}": (lambda b: f"/documents/{b.document_id}", "issuer"),
}


def expected(case: Case, side: str, actor: str) -> int:
    readers = case.issuer_side if side == "issuer" else case.transfer_side
    return 200 if actor in readers else 404


assert set(ACTORS) >= EVERY_STTTT | {PROVINCE_AUDITOR}


async def build_content(world: World) -> dict[str, Built]:
    """Write every case's document, version, attachment and transfer; their ids."""
    runtime = world.runtime()
    built: dict[str, Built] = {}
    try:
        await anyio.to_thread.run_sync(runtime.store.ensure_ready)
        pdf = world.settings.data_dir / "matrix-content.pdf"
        pdf.write_bytes(tiny_pdf())
        sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
        stored = await anyio.to_thread.run_sync(
            lambda: runtime.store.put_file(pdf, expected_sha256=sha)
        )
        async with runtime.session() as session:
            codes = {c.agency_id: c.code for c in (await session.exec(select(AgencyCode))).all()}
            for name, case in CASES.items():
                built[name] = await _write_case(session, world, case, stored, codes)
            await session.commit()
    finally:
        await runtime.dispose()
    return built


async def _write_case(session, world: World, case: Case, stored, codes) -> Built:  # type: ignore[no-untyped-def]
    ids, agencies = world.user_ids, world.agency_ids
    abbrev = case.issuer.lower()
    drafter = ids[f"{abbrev}.specialist"]
    document = Document(
        agency_id=agencies[case.issuer], created_by_id=drafter, document_type="cong_van",
        subject="Về việc bảo đảm an toàn thông tin", signer_id=ids[f"{abbrev}.leader"],
        confidentiality="mat" if case.confidential else "none",
        recipients=[codes[agencies[case.recipient]]], state=DocumentState.ISSUED.value,
        number=1, symbol=f"01/{case.issuer}", issued_at=utcnow(),
        issued_by_id=ids[f"{abbrev}.clerk"], named_reader_ids=[ids[r] for r in case.readers],
    )
    session.add(document)
    await session.flush()
    version = DocumentVersion(
        document_id=document.id, version=1, sha256=stored.sha256, object_key=stored.key,
        size=stored.size, produced_by=VersionSource.ISSUANCE.value, actor_id=drafter,
    )
    session.add(version)
    session.add(DocumentAttachment(document_id=document.id, position=1, filename="phu-luc.pdf",
                                   sha256=stored.sha256, size=stored.size))
    await session.flush()
    transfer = Transfer(
        document_id=document.id, version_id=version.id,  # type: ignore[arg-type]
        sender_agency_id=agencies[case.issuer], recipient_agency_id=agencies[case.recipient],
        sender_code=codes[agencies[case.issuer]], recipient_code=codes[agencies[case.recipient]],
        status="04", verification="passed",
        assigned_user_id=ids[case.assigned_to] if case.assigned_to else None,
    )
    session.add(transfer)
    await session.flush()
    return Built(document.id, transfer.id)  # type: ignore[arg-type]
