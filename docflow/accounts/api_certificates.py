"""The signed-in person's certificates: ``/api/v1/me/certificates``."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from docflow.accounts import certificates
from docflow.accounts.cert_checks import MAX_PEM_BYTES
from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.keys import JobFailed
from docflow.core.runtime import Runtime

__all__ = ["CERTIFICATE_HANDLERS"]


@dataclass(frozen=True)
class Enrolment:
    #: Demo mode: a PEM PKCS#10 request (P-256 ECDSA or RSA-2048) made where the key lives.
    csr: str | None = None
    #: Production: your certificate (PEM) from a trusted CA, optionally followed by its
    #: issuing CA certificates.
    certificate: str | None = None


def _trust_anchors(runtime: Runtime) -> list[bytes]:
    try:
        return list(runtime.signing.trust.anchor_pems())
    except JobFailed:  # none configured: enrolment says so
        return []


def _crls(runtime: Runtime) -> list[bytes]:
    return list(runtime.signing.trust.revocation_crls())


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
    runtime: NamedDependency[Runtime],
) -> certificates.CertificateInfo:
    if data.csr and not data.certificate:
        crls = await anyio.to_thread.run_sync(_crls, runtime)
        return await certificates.enroll_csr(
            db_session, principal, data.csr, issuer=runtime.certificate_issuer, crls=crls
        )
    if data.certificate:
        anchors = await anyio.to_thread.run_sync(_trust_anchors, runtime)
        return await certificates.enroll_issued_certificate(
            db_session, principal, data.certificate, anchors
        )
    raise InvalidInput("Send {csr: PEM} (a certificate request) or {certificate: PEM}.")


@get("/api/v1/me/certificates", tags=["certificates"], summary="Your signing certificates")
async def list_certificates(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
) -> list[certificates.CertificateInfo]:
    crls = await anyio.to_thread.run_sync(_crls, runtime)
    return await certificates.list_certificates(db_session, principal, crls=crls)


CERTIFICATE_HANDLERS = [enrol_certificate, list_certificates]
