"""Helpers for the routing tests: issued documents (over HTTP through the issue-5
services, or quickly through ``signing`` directly), principals, and the dev trust."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar.testing import AsyncTestClient
from sqlmodel import select

import signing
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import Principal
from docflow.core.runtime import Runtime
from docflow.devpki import dev_crls, dev_signer, dev_trust_roots
from docflow.documents.models import Document, DocumentState, DocumentVersion, VersionSource
from tests.integration.documents_support import enrol, login, p256_key, sign, upload
from tests.pki import tiny_pdf

STTTT, STC, UBNDVT, UBNDCT = "000.02.00.H30", "000.03.00.H30", "000.04.00.H30", "000.05.00.H30"


def dev_trust() -> signing.TrustConfig:
    anchors = tuple(c for pem in dev_trust_roots() for c in signing.load_certificates(pem))
    return signing.TrustConfig(trust_anchors=anchors, crls=tuple(dev_crls()), allow_fetching=False)


async def issue_over_http(
    client: AsyncTestClient, recipients: list[str], subject: str, **overrides: Any
) -> int:
    """Upload (specialist), sign (leader, WebCrypto-style P-256), issue (clerk) at STTTT."""
    specialist = await login(client, "stttt.specialist")
    leader = await login(client, "stttt.leader")
    clerk = await login(client, "stttt.clerk")
    created = await upload(client, specialist, tiny_pdf(), recipients=recipients,
                           subject=subject, **overrides)
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    key = p256_key()
    cert_id = await enrol(client, leader, key)
    signed = await sign(client, leader, doc_id, key, cert_id)
    assert signed.status_code == 200, signed.text
    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    return doc_id


async def issue_directly(
    runtime: Runtime,
    sender_abbrev: str,
    recipients: list[str],
    *,
    subject: str = "Về việc phối hợp triển khai",
    urgency: str = "normal",
    number: int = 1,
    signed_file: Path | None = None,
) -> int:
    """An issued document without the drafting flow: the sender's seal (B-B) on a blank
    page, stored, and the rows issuance would write (for tests of routing only)."""
    if signed_file is None or not signed_file.exists():
        key, cert, chain = dev_signer(sender_abbrev)
        signer = await signing.async_load_signer(
            signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
        )
        target = signed_file or Path(runtime.settings.data_dir) / f"seal-{sender_abbrev}.pdf"
        await signing.async_sign_pdf(
            tiny_pdf(), target, signing.SignRequest(level="B-B", field_name="DauCoQuan"), signer
        )
        signed_file = target
    await anyio.to_thread.run_sync(runtime.store.ensure_ready)
    data = signed_file.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    stored = await anyio.to_thread.run_sync(
        lambda: runtime.store.put_file(signed_file, expected_sha256=sha)
    )
    async with runtime.session() as session:
        agency = (
            await session.exec(select(Agency).where(Agency.abbreviation == sender_abbrev))
        ).one()
        username = f"{sender_abbrev.lower()}.clerk"
        clerk = (await session.exec(select(User).where(User.username == username))).one()
        now = datetime.now(UTC)
        document = Document(
            agency_id=agency.id, created_by_id=clerk.id, document_type="cong_van",  # type: ignore[arg-type]
            subject=subject, urgency=urgency, signer_id=clerk.id,  # type: ignore[arg-type]
            recipients=recipients, state=DocumentState.ISSUED.value, number=number,
            symbol=f"{number:02d}/{sender_abbrev}", issued_at=now, issued_by_id=clerk.id,
        )
        session.add(document)
        await session.flush()
        session.add(
            DocumentVersion(
                document_id=document.id, version=1, sha256=stored.sha256,  # type: ignore[arg-type]
                object_key=stored.key, size=stored.size,
                produced_by=VersionSource.ISSUANCE.value, actor_id=clerk.id,
            )
        )
        await session.commit()
        return document.id  # type: ignore[return-value]


async def principal_of(runtime: Runtime, username: str) -> Principal:
    async with runtime.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).one()
        roles = (
            await session.exec(select(UserRole.role).where(UserRole.user_id == user.id))
        ).all()
        return Principal(
            user_id=user.id,  # type: ignore[arg-type]
            username=user.username,
            agency_id=user.agency_id,
            department_id=user.department_id,
            roles=frozenset(Role(r) for r in roles),
            province_scope=user.province_scope,
        )


async def user_id(runtime: Runtime, username: str) -> int:
    async with runtime.session() as session:
        return (await session.exec(select(User.id).where(User.username == username))).one()  # type: ignore[return-value]

