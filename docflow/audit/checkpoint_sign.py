"""Signing and checking an audit checkpoint, with no database and no network.

A checkpoint's **statement** says: after ``size`` log rows the Merkle root over their
digests is ``root`` and the hash chain is ``chain``, at ``created_at``
(``checkpoint_statement``). The system seal signs the statement's bytes as a detached
CMS; a TSA then timestamps the signature: the RFC 3161 token's message imprint is
SHA-256 over the CMS DER bytes. Statements signed before the log had digests
(``legacy``) name the old chain's ``seq`` and ``hash`` and no root.

A checkpoint's **copy** (``copy_bytes``) is what is kept outside the database: the
statement, signature and token, plus the digests of the rows added since the previous
checkpoint, so the copies together name every row a later rewrite changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, crl, x509

from docflow.audit.failures import CHECK_FAILED

__all__ = [
    "COPY_FORMAT",
    "CheckpointCheck",
    "CheckpointCopy",
    "Statement",
    "async_check_checkpoint",
    "async_sign_checkpoint",
    "checkpoint_statement",
    "copy_bytes",
    "copy_name",
    "parse_statement",
    "read_copy",
    "token_time",
]

LOG_NAME = "docflow-audit-log"
COPY_FORMAT = "docflow-audit-checkpoint/1"
COPY_PREFIX = "audit/checkpoints/"


def checkpoint_statement(size: int, root: str, chain: str, created_at: datetime) -> bytes:
    """The bytes the system seal signs for a checkpoint (canonical JSON, ASCII)."""
    body = {
        "log": LOG_NAME,
        "size": size,
        "root": root,
        "chain": chain,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class Statement:
    """What a statement claims; ``root`` and ``chain`` are None for a legacy one."""

    size: int
    root: str | None
    chain: str | None
    created_at: datetime

    @property
    def legacy(self) -> bool:
        return self.root is None


def parse_statement(data: bytes) -> Statement:
    """The claims of statement bytes; ``ValueError`` when they are not a statement."""
    try:
        body = json.loads(data)
        created = datetime.fromisoformat(body["created_at"])
        if body.get("log") == LOG_NAME:
            return Statement(int(body["size"]), str(body["root"]), str(body["chain"]), created)
        if "seq" in body and "hash" in body:
            return Statement(int(body["seq"]), None, None, created)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a checkpoint statement ({exc})") from None
    raise ValueError("not a checkpoint statement")


def copy_name(size: int) -> str:
    """The store name of the copy of the checkpoint at ``size``."""
    return f"{COPY_PREFIX}{size:012d}.json"


@dataclass(frozen=True)
class CheckpointCopy:
    """A checkpoint as kept outside the database."""

    statement: bytes
    signature: bytes
    timestamp_token: bytes
    #: The size of the checkpoint before (0 for the first); ``leaves`` are the digests
    #: of rows ``previous_size + 1 .. size``, 32 bytes each.
    previous_size: int
    leaves: bytes

    @property
    def claims(self) -> Statement:
        return parse_statement(self.statement)


def copy_bytes(copy: CheckpointCopy) -> bytes:
    b64 = base64.b64encode
    body = {
        "format": COPY_FORMAT,
        "statement": copy.statement.decode("ascii"),
        "signature": b64(copy.signature).decode(),
        "timestamp_token": b64(copy.timestamp_token).decode(),
        "previous_size": copy.previous_size,
        "leaves": b64(copy.leaves).decode(),
    }
    return json.dumps(body, indent=1, sort_keys=True).encode("ascii")


def read_copy(data: bytes) -> CheckpointCopy:
    """``ValueError`` (a sentence) for anything that is not a readable copy."""
    try:
        body = json.loads(data)
        if body.get("format") != COPY_FORMAT:
            raise ValueError(f"format {body.get('format')!r} is not {COPY_FORMAT}")
        leaves = base64.b64decode(body["leaves"], validate=True)
        if len(leaves) % 32:
            raise ValueError("leaves are not whole 32-byte digests")
        return CheckpointCopy(
            statement=str(body["statement"]).encode("ascii"),
            signature=base64.b64decode(body["signature"], validate=True),
            timestamp_token=base64.b64decode(body["timestamp_token"], validate=True),
            previous_size=int(body["previous_size"]),
            leaves=leaves,
        )
    except (KeyError, TypeError, AttributeError, UnicodeError, binascii.Error) as exc:
        raise ValueError(f"not a checkpoint copy ({type(exc).__name__}: {exc})") from None


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
    when: datetime = tst_info["gen_time"].native  # asn1crypto is untyped: say what it is
    return when


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
    except CHECK_FAILED as exc:  # a damaged or forged token is a finding, not a crash
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
    except CHECK_FAILED as exc:
        problems.append(f"the seal signature cannot be checked ({type(exc).__name__}: {exc})")
    return CheckpointCheck(sig_ok, ts_ok, when, signer, tuple(problems))
