"""Signing and checking an audit checkpoint, with no database and no network.

A checkpoint is the pair (seq, hash) of the chain's head at ``created_at``. The system
seal signs ``checkpoint_payload(...)`` as a detached CMS; a TSA then timestamps the
signature: the RFC 3161 token's message imprint is SHA-256 over the CMS DER bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, crl, x509

__all__ = [
    "CheckpointCheck",
    "async_check_checkpoint",
    "async_sign_checkpoint",
    "checkpoint_payload",
    "token_time",
]


def checkpoint_payload(seq: int, head_hash: str, created_at: datetime) -> bytes:
    """The bytes the system seal signs for a checkpoint."""
    body = {
        "chain": "docflow-audit",
        "seq": seq,
        "hash": head_hash,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


async def async_sign_checkpoint(
    signer: Any, timestamper: Any, payload: bytes
) -> tuple[bytes, bytes]:
    """(CMS DER, RFC 3161 token DER) for ``payload``, with a pyHanko signer and time stamper."""
    signed = await signer.async_sign_general_data(payload, "sha256", detached=True)
    signature = bytes(signed.dump())
    token = await timestamper.async_timestamp(hashlib.sha256(signature).digest(), "sha256")
    return signature, bytes(token.dump())


def token_time(token_der: bytes) -> datetime:
    """The genTime of an RFC 3161 token."""
    content = cms.ContentInfo.load(token_der)["content"]
    tst_info = content["encap_content_info"]["content"].parsed
    return tst_info["gen_time"].native  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CheckpointCheck:
    """What holds of one checkpoint; ``problems`` are sentences."""

    signature_valid: bool
    timestamp_valid: bool
    timestamp_time: datetime | None
    signer: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.timestamp_valid


def _context(
    roots: Iterable[x509.Certificate],
    others: Iterable[x509.Certificate],
    crls: Iterable[bytes],
    moment: datetime | None,
) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(others),
        crls=[crl.CertificateList.load(c) for c in crls],
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


async def async_check_checkpoint(
    payload: bytes,
    signature_der: bytes,
    token_der: bytes,
    *,
    roots: Iterable[x509.Certificate],
    other_certs: Iterable[x509.Certificate] = (),
    crls: Iterable[bytes] = (),
) -> CheckpointCheck:
    """Check the seal signature over ``payload`` (as of the timestamp's time) and the
    token's imprint and TSA signature, offline, against ``roots`` only."""
    from pyhanko.sign.validation.generic_cms import (
        async_validate_detached_cms,
        validate_tst_signed_data,
    )

    roots, other_certs, crls = list(roots), list(other_certs), list(crls)
    problems: list[str] = []
    when: datetime | None = None
    ts_ok = False
    try:
        token = cms.ContentInfo.load(token_der)["content"]
        when = token_time(token_der)
        imprint = hashlib.sha256(signature_der).digest()
        result = await validate_tst_signed_data(
            token, _context(roots, other_certs, crls, when), lambda _algo: imprint
        )
        trusted = result.get("trust_problem_indic") is None and result.get("validation_path")
        ts_ok = bool(result.get("intact") and result.get("valid") and trusted)
        if not result.get("intact"):
            problems.append("the timestamp token does not cover this checkpoint's signature")
        elif not ts_ok:
            problems.append("the timestamp token's TSA signature is not valid or not trusted")
    except Exception as exc:  # noqa: BLE001 - any defect is a finding, not a crash
        problems.append(f"the timestamp token cannot be checked ({type(exc).__name__}: {exc})")
    sig_ok, signer = False, None
    try:
        signed_data = cms.ContentInfo.load(signature_der)["content"]
        status = await async_validate_detached_cms(
            payload, signed_data, signer_validation_context=_context(roots, other_certs, crls, when)
        )
        signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
        sig_ok = bool(status.intact and status.valid and status.trusted)
        if not (status.intact and status.valid):
            problems.append("the seal signature does not match the checkpoint (seq, hash, time)")
        elif not status.trusted:
            problems.append("the seal certificate does not chain to a trusted root")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"the seal signature cannot be checked ({type(exc).__name__}: {exc})")
    return CheckpointCheck(sig_ok, ts_ok, when, signer, tuple(problems))
