"""The signed-in person's certificates: ``/api/v1/me/certificates``."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from docflow.db import AsyncSession
from docflow.errors import InvalidInput
from docflow.permissions import Principal
from docflow.services import certificates
from docflow.services.cert_checks import MAX_PEM_BYTES
from docflow.settings import Settings

__all__ = ["CERTIFICATE_HANDLERS"]


@dataclass(frozen=True)
class Enrolment:
    #: Demo mode: a PEM PKCS#10 request (P-256 ECDSA or RSA-2048) made where the key lives.
    csr: str | None = None
    #: Production: your certificate (PEM) from a trusted CA, optionally followed by its
    #: issuing CA certificates.
    certificate: str | None = None


def _trust_anchors(settings: Settings) -> list[bytes]:
    if settings.trust_anchors:
        return [p.read_bytes() for p in settings.trust_anchors]
    if settings.is_production:
        return []
    from docflow.devpki import dev_trust_roots

    return dev_trust_roots()


@post(
    "/api/v1/me/certificates",
    tags=["certificates"],
    summary="Enrol a signing certificate (CSR in demo mode, certificate in production)",
    request_max_body_size=MAX_PEM_BYTES,
)
async def enrol_certificate(
    data: JSONBody[Enrolment],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> certificates.CertificateInfo:
    if data.csr and not data.certificate:
        return await certificates.enroll_csr(
            db_session, principal, data.csr, production=settings.is_production
        )
    if data.certificate:
        anchors = await anyio.to_thread.run_sync(_trust_anchors, settings)
        return await certificates.enroll_issued_certificate(
            db_session, principal, data.certificate, anchors
        )
    raise InvalidInput("Send {csr: PEM} (a certificate request) or {certificate: PEM}.")


@get("/api/v1/me/certificates", tags=["certificates"], summary="Your signing certificates")
async def list_certificates(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> list[certificates.CertificateInfo]:
    return await certificates.list_certificates(
        db_session, principal, demo=not settings.is_production
    )


CERTIFICATE_HANDLERS = [enrol_certificate, list_certificates]
