"""Audit checkpoints: sign the chain's head with the system seal and timestamp it.

The system seal is the province's seal (``SYSTEM_SEAL``): its PKCS#12 file or HSM key
per the settings, the dev PKI's in demo mode. The time stamp comes from
``DOCFLOW_TSA_URL``, or the in-process dev TSA in demo mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from sqlmodel import col, select

import signing
from docflow.audit import record_event
from docflow.db import AsyncSession
from docflow.errors import ConflictError
from docflow.evidence.checkpoint import (
    async_check_checkpoint,
    async_sign_checkpoint,
    checkpoint_payload,
    token_time,
)
from docflow.models import AuditChainHead, AuditCheckpoint, AuditEvent, utcnow
from docflow.permissions import Principal
from docflow.runtime import Runtime
from docflow.services.audit_chain import CheckpointStatus
from docflow.services.signing_jobs import SigningConfig, _seal_source, _time_source, trust_config

__all__ = [
    "SYSTEM_SEAL",
    "checkpoint_status",
    "checkpoint_trust",
    "create_checkpoint",
    "latest_covering",
    "run_checkpoints_every",
    "system_seal",
]

logger = logging.getLogger("docflow.audit")

#: Abbreviation of the agency whose seal signs checkpoints: the province's People's Committee.
SYSTEM_SEAL = "ubnd"
_signers: dict[SigningConfig, Any] = {}


async def system_seal(config: SigningConfig) -> Any:
    """The loaded system seal signer (loaded once per configuration)."""
    signer = _signers.get(config)
    if signer is None:
        signer = await signing.async_load_signer(_seal_source(config, SYSTEM_SEAL))
        _signers[config] = signer
    return signer


def _timestamper(config: SigningConfig) -> Any:
    source = _time_source(config)
    if "timestamper" in source:
        return source["timestamper"]
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(source["tsa_url"])


async def create_checkpoint(
    runtime: Runtime, *, actor: Principal | None = None, reason: str = "on_demand"
) -> AuditCheckpoint:
    """Sign and timestamp the head as committed now; store it with an ``audit.checkpoint``
    event (which is after the head, so the next checkpoint covers it)."""
    async with runtime.session() as session:
        head = await session.get(AuditChainHead, 1)
        if head is None or head.last_seq == 0:
            raise ConflictError("The audit trail is empty: there is nothing to checkpoint.")
        seq, head_hash = head.last_seq, head.last_hash
    config = SigningConfig.from_settings(runtime.settings)
    created_at = utcnow()
    payload = checkpoint_payload(seq, head_hash, created_at)
    signature, token = await async_sign_checkpoint(
        await system_seal(config), _timestamper(config), payload
    )
    async with runtime.session() as session:
        checkpoint = AuditCheckpoint(
            seq=seq,
            hash=head_hash,
            created_at=created_at,
            created_by_id=actor.user_id if actor else None,
            reason=reason,
            signature=signature,
            timestamp_token=token,
            timestamp_time=token_time(token),
        )
        session.add(checkpoint)
        await session.flush()
        await record_event(
            session,
            "audit.checkpoint",
            actor=actor,
            subject_type="audit_checkpoint",
            subject_id=checkpoint.id,
            details={
                "seq": seq,
                "hash": head_hash,
                "reason": reason,
                "signature_sha256": hashlib.sha256(signature).hexdigest(),
                "timestamp_sha256": hashlib.sha256(token).hexdigest(),
            },
        )
        await session.commit()
        await session.refresh(checkpoint)
    return checkpoint


def checkpoint_trust(runtime: Runtime) -> signing.TrustConfig:
    """Roots, CA certificates and CRLs a checkpoint is checked against on the server."""
    config = SigningConfig.from_settings(runtime.settings)
    trust = trust_config(config)
    if config.uses_dev_pki:
        from asn1crypto import pem
        from asn1crypto import x509 as asn1_x509

        from docflow.devpki import dev_signer

        _key, _cert, chain = dev_signer(SYSTEM_SEAL)
        cas = tuple(asn1_x509.Certificate.load(pem.unarmor(c)[2]) for c in chain)
        trust = trust.replace(intermediates=trust.intermediates + cas)
    return trust


async def checkpoint_status(runtime: Runtime, checkpoint: AuditCheckpoint) -> CheckpointStatus:
    trust = checkpoint_trust(runtime)
    result = await async_check_checkpoint(
        checkpoint_payload(checkpoint.seq, checkpoint.hash, checkpoint.created_at),
        checkpoint.signature,
        checkpoint.timestamp_token,
        roots=trust.trust_anchors,
        other_certs=trust.intermediates,
        crls=trust.crls,
    )
    return CheckpointStatus(
        seq=checkpoint.seq,
        hash=checkpoint.hash,
        signed_at=checkpoint.created_at,
        timestamp_time=checkpoint.timestamp_time,
        signature_valid=result.ok,
        problems=result.problems,
    )


async def latest_covering(session: AsyncSession, seq: int) -> AuditCheckpoint | None:
    """The first checkpoint whose head is at or after ``seq`` (the shortest proof)."""
    query = (
        select(AuditCheckpoint)
        .where(col(AuditCheckpoint.seq) >= seq)
        .order_by(col(AuditCheckpoint.seq), col(AuditCheckpoint.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def run_checkpoints_every(runtime: Runtime, seconds: float) -> None:
    """Background loop: a checkpoint every ``seconds`` when something happened since the
    last one (its own ``audit.checkpoint`` event does not count)."""
    while True:
        await asyncio.sleep(seconds)
        try:
            if await _has_news(runtime):
                await create_checkpoint(runtime, reason="interval")
        except Exception as exc:  # noqa: BLE001 - try again next interval
            logger.warning("audit checkpoint failed: %s", exc)


async def _has_news(runtime: Runtime) -> bool:
    async with runtime.session() as session:
        head = await session.get(AuditChainHead, 1)
        if head is None or head.last_seq == 0:
            return False
        newest = (
            await session.exec(
                select(AuditCheckpoint).order_by(col(AuditCheckpoint.seq).desc()).limit(1)
            )
        ).first()
        if newest is None:
            return True
        after = (
            await session.exec(
                select(AuditEvent.action).where(col(AuditEvent.seq) > newest.seq).limit(2)
            )
        ).all()
        return list(after) not in ([], ["audit.checkpoint"])
