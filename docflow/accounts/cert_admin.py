"""Personal certificates after enrolment: an administrator lists a person's and revokes
one; the holder names the device that keeps a browser (WebCrypto) key and revokes it.

Revoked here means docflow signs nothing more with it (``documents.signatures`` refuses
it); a certificate a trusted CA issued must still be revoked at that CA for the world to
know. The pages (``/admin/users/{id}``, ``/account/keys``) and the API
(``/api/v1/users/{id}/certificates``, ``/api/v1/certificates/{id}/...``) call these.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.certificates import CertificateInfo, _crls, _info
from docflow.accounts.models_certificate import PersonalCertificate
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal, can_manage_agency
from docflow.accounts.user_admin import managed_user
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.models_base import utcnow

__all__ = ["certificates_of", "name_certificate", "revoke_certificate"]

MAX_DEVICE_NAME = 100


async def certificates_of(
    session: AsyncSession, actor: Principal, user_id: int, *, crls: Sequence[bytes] = ()
) -> list[CertificateInfo]:
    """The certificates of ``user_id``, newest first: for the person and for an admin of
    their agency (a person of another agency: 404)."""
    if user_id != actor.user_id:
        await managed_user(session, actor, user_id, "certificate.list")
    rows = (
        await session.exec(
            select(PersonalCertificate)
            .where(PersonalCertificate.user_id == user_id)
            .order_by(col(PersonalCertificate.id).desc())
        )
    ).all()
    loaded = _crls(crls) if rows else []
    return [_info(r, loaded) for r in rows]


async def _held(
    session: AsyncSession, actor: Principal, certificate_id: int, action: str, *,
    admin_too: bool,
) -> PersonalCertificate:
    """The certificate when ``actor`` holds it (or, ``admin_too``, administers its
    holder's agency); another's or none: 404 (recorded), as if missing."""
    row = await session.get(PersonalCertificate, certificate_id)
    if row is not None:
        if row.user_id == actor.user_id:
            return row
        holder = await session.get(User, row.user_id)
        if admin_too and holder is not None and can_manage_agency(actor, holder.agency_id):
            return row
    await deny(session, actor, action=action, subject_type="certificate",
               subject_id=certificate_id, message="There is no such certificate.", hide=True)


async def revoke_certificate(
    session: AsyncSession, actor: Principal, certificate_id: int
) -> CertificateInfo:
    """Revoke a certificate in docflow (its holder, or an admin of the holder's agency).
    Already revoked: ``ConflictError`` (nothing changes; pressing twice is harmless)."""
    row = await _held(session, actor, certificate_id, "certificate.revoke", admin_too=True)
    if row.revoked_at is not None:
        raise ConflictError("This certificate is already revoked.")
    row.revoked_at = utcnow()
    session.add(row)
    await record_event(
        session,
        "certificate.revoked",
        actor=actor,
        subject_type="certificate",
        subject_id=row.id,
        details={"serial": row.serial, "holder_user_id": row.user_id,
                 "sha256": row.fingerprint_sha256},
    )
    return _info(row, [])


def clean_device_name(raw: str) -> str | None:
    """One line of at most 100 characters without control characters; empty: None."""
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if len(value) > MAX_DEVICE_NAME:
        raise InvalidInput(f"The device name is longer than {MAX_DEVICE_NAME} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in raw):
        raise InvalidInput("The device name contains control or invisible characters.")
    return value or None


async def name_certificate(
    session: AsyncSession, actor: Principal, certificate_id: int, name: str
) -> CertificateInfo:
    """Name the device that keeps the key of the actor's own certificate."""
    row = await _held(session, actor, certificate_id, "certificate.name", admin_too=False)
    clean = clean_device_name(name)
    if clean != row.device_name:
        row.device_name = clean
        session.add(row)
        await record_event(session, "certificate.named", actor=actor,
                           subject_type="certificate", subject_id=row.id,
                           details={"device_name": clean})
    return _info(row, [])
