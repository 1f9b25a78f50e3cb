"""Signed status messages: each status event is signed by the agency that emits it.

The signature is a detached signature (with the agency's seal key, from the seal-key
port ``runtime.signing.seal_keys``) over ``canonical_status_bytes``: the
sorted-key, UTF-8, whitespace-free JSON of {document id, transfer id, from agency code,
to agency code, status, reason, actor, time}. The seal certificate is stored with the
event, so ``verify_status_event`` needs nothing but the event: any changed field, or a
signature by another key, makes it answer False.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import signing
from docflow.accounts.models_agency import Agency
from docflow.core.keys import SigningConfig
from docflow.transfers.models import TransferEvent

__all__ = ["canonical_status_bytes", "sign_status_event", "verify_status_event"]

#: Loaded seal signers by (key name, key reference, config): key parsing happens once.
_SIGNERS: dict[tuple[str, str | None, SigningConfig], Any] = {}


def canonical_status_bytes(event: TransferEvent) -> bytes:
    """The bytes signed for ``event`` (stable across databases: UTC, microseconds)."""
    body = {
        "document_id": event.document_id,
        "transfer_id": event.transfer_id,
        "from": event.from_code,
        "to": event.to_code,
        "status": event.status,
        "reason": event.reason,
        "actor": event.actor,
        "time": event.occurred_at.isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


async def _signer(config: SigningConfig, agency: Agency) -> Any:
    key = (agency.abbreviation, agency.seal_key_ref, config)
    signer = _SIGNERS.get(key)
    if signer is None:
        source = config.seal_keys.seal_source(agency.abbreviation, agency.seal_key_ref)
        signer = await signing.async_load_signer(source)
        _SIGNERS[key] = signer
    return signer


async def sign_status_event(config: SigningConfig, agency: Agency, event: TransferEvent) -> None:
    """Fill ``event``'s signature, algorithm and certificate with ``agency``'s seal."""
    signer = await _signer(config, agency)
    mechanism = signer.get_signature_mechanism_for_digest("sha256").signature_algo
    raw = await signer.async_sign_raw(canonical_status_bytes(event), "sha256")
    event.signature = base64.b64encode(raw).decode("ascii")
    event.signature_algorithm = str(mechanism)
    event.certificate_pem = _pem(signer.signing_cert.dump())


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def verify_status_event(event: TransferEvent) -> bool:
    """Whether ``event``'s signature matches its fields and its stored seal certificate.

    Checks the signature only; whether the certificate is the emitting agency's seal is
    ``event_signed_by``'s question.
    """
    try:
        cert = x509.load_pem_x509_certificate(event.certificate_pem.encode("ascii"))
        signature = base64.b64decode(event.signature, validate=True)
        data = canonical_status_bytes(event)
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            if "pss" in event.signature_algorithm:
                pad: padding.AsymmetricPadding = padding.PSS(
                    mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO
                )
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, data, pad, hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def event_signed_by(event: TransferEvent, seal_certificate_pem: str | None) -> bool:
    """Whether ``event`` verifies and was signed with the given seal certificate."""
    if not seal_certificate_pem or not verify_status_event(event):
        return False
    stored = x509.load_pem_x509_certificate(event.certificate_pem.encode("ascii"))
    expected = x509.load_pem_x509_certificate(seal_certificate_pem.encode("ascii"))
    return stored == expected
