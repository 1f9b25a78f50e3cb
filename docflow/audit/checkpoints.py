"""Audit checkpoints: sign the log's head (size, Merkle root, chain) with the system seal,
timestamp it, and keep a copy outside the database.

The system seal is the province's seal (``SYSTEM_SEAL``), from the seal-key port; the
time stamp from the time-stamping port (``runtime.signing``: ``docflow.bootstrap``
chooses both). A checkpoint extends the
previous one's tree with the digests added since (its frontier is trusted only when its
own signature holds), so signing costs the same however long the log is.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

import signing
from docflow.accounts.permissions import Principal
from docflow.audit.checkpoint_sign import (
    async_check_checkpoint,
    async_sign_checkpoint,
    checkpoint_statement,
    parse_statement,
    token_time,
)
from docflow.audit.copies import log_digests, write_copy
from docflow.audit.merkle import Frontier
from docflow.audit.sequencer import sequence_pending
from docflow.core.audit_append import record_event
from docflow.core.audit_models import AuditCheckpoint, AuditEvent, AuditLog
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError
from docflow.core.keys import SigningConfig, seal_source, time_source, trust_config
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime

__all__ = [
    "SYSTEM_SEAL",
    "check_signature",
    "checkpoint_trust",
    "create_checkpoint",
    "log_head",
    "system_seal",
]

logger = logging.getLogger("docflow.audit")

#: Abbreviation of the agency whose seal signs checkpoints: the province's People's Committee.
SYSTEM_SEAL = "ubnd"
_signers: dict[SigningConfig, Any] = {}
#: Statements this process signed or found genuine: their frontiers need no new check.
_trusted: set[bytes] = set()


async def system_seal(config: SigningConfig) -> Any:
    """The loaded system seal signer (loaded once per configuration)."""
    signer = _signers.get(config)
    if signer is None:
        signer = await signing.async_load_signer(seal_source(config, SYSTEM_SEAL))
        _signers[config] = signer
    return signer


def _timestamper(config: SigningConfig) -> Any:
    source = time_source(config)
    if "timestamper" in source:
        return source["timestamper"]
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(source["tsa_url"])


async def log_head(session: AsyncSession) -> tuple[int, str]:
    """(size, chain) of the log as committed now."""
    last = (
        await session.exec(
            select(AuditLog.position, AuditLog.chain)
            .order_by(col(AuditLog.position).desc())
            .limit(1)
        )
    ).first()
    return (0, "0" * 64) if last is None else (int(last[0]), str(last[1]))


async def _start_from(session: AsyncSession, size: int, config: SigningConfig) -> Frontier:
    """The newest earlier checkpoint's tree when it is genuine, else an empty tree."""
    rows = await session.exec(
        select(AuditCheckpoint)
        .where(col(AuditCheckpoint.size) < size, AuditCheckpoint.frontier != b"")
        .order_by(col(AuditCheckpoint.size).desc())
        .limit(1)
    )
    previous = rows.first()
    if previous is None:
        return Frontier()
    try:
        tree = Frontier.from_bytes(previous.size, previous.frontier)
        claims = parse_statement(previous.statement)
    except ValueError:
        return Frontier()
    if tree.root().hex() != claims.root or claims.size != previous.size:
        return Frontier()
    if previous.statement not in _trusted:
        valid, _problems = await check_signature(
            config, previous.statement, previous.signature, previous.timestamp_token
        )
        if not valid:
            logger.warning("checkpoint %s is not genuine: signing from the start", previous.size)
            return Frontier()
        _trusted.add(previous.statement)
    return tree


async def create_checkpoint(
    runtime: Runtime, *, actor: Principal | None = None, reason: str = "on_demand"
) -> AuditCheckpoint:
    """Sign and timestamp the log as committed now; store it with an ``audit.checkpoint``
    event (after the head, so the next checkpoint covers it) and copy it to the store.
    A head someone already signed is answered with that checkpoint. Every event
    committed so far is sequenced first, so the checkpoint covers it."""
    await sequence_pending(runtime, full=True)
    async with runtime.session() as session:
        size, chain = await log_head(session)
        if size == 0:
            raise ConflictError("The audit trail is empty: there is nothing to checkpoint.")
        existing = await session.get(AuditCheckpoint, size)
        if existing is not None:
            return existing
        tree = await _start_from(session, size, runtime.signing)
        previous_size = tree.size
        leaves = bytearray()
        async for digests in log_digests(session, previous_size, size):
            for digest in digests:
                tree.append(digest)
            leaves += b"".join(digests)
    config = runtime.signing
    created_at = utcnow()
    statement = checkpoint_statement(size, tree.root().hex(), chain, created_at)
    signature, token = await async_sign_checkpoint(
        await system_seal(config), _timestamper(config), statement
    )
    checkpoint = AuditCheckpoint(
        size=size,
        created_at=created_at,
        created_by_id=actor.user_id if actor else None,
        reason=reason,
        statement=statement,
        signature=signature,
        timestamp_token=token,
        timestamp_time=token_time(token),
        frontier=tree.to_bytes(),
    )
    stored = await _store(runtime, checkpoint, actor, chain, tree.root().hex())
    if stored is not checkpoint:
        return stored
    _trusted.add(statement)
    await write_copy(runtime, checkpoint, previous_size, bytes(leaves))
    return checkpoint


async def _store(
    runtime: Runtime,
    checkpoint: AuditCheckpoint,
    actor: Principal | None,
    chain: str,
    root: str,
) -> AuditCheckpoint:
    """Commit ``checkpoint`` with its ``audit.checkpoint`` event; when another worker
    signed this head first, nothing is stored and its checkpoint is returned instead."""
    size = checkpoint.size
    async with runtime.transaction() as session:
        session.add(checkpoint)
        try:
            await session.flush()
        except IntegrityError:
            # Another worker signed this head first: one checkpoint per size.
            await session.rollback()
            winner = await session.get(AuditCheckpoint, size)
            if winner is None:
                raise
            return winner
        await record_event(
            session,
            "audit.checkpoint",
            actor=actor,
            subject_type="audit_checkpoint",
            subject_id=size,
            details={
                "size": size,
                "root": root,
                "chain": chain,
                "reason": checkpoint.reason,
                "signature_sha256": hashlib.sha256(checkpoint.signature).hexdigest(),
                "timestamp_sha256": hashlib.sha256(checkpoint.timestamp_token).hexdigest(),
            },
        )
    return checkpoint


def checkpoint_trust(config: SigningConfig) -> signing.TrustConfig:
    """Roots, CA certificates and CRLs a checkpoint is checked against on the server."""
    return trust_config(config)


async def check_signature(
    config: SigningConfig, statement: bytes, signature: bytes, token: bytes
) -> tuple[bool, tuple[str, ...]]:
    """Whether the system seal signed ``statement`` and the TSA timestamped that."""
    trust = checkpoint_trust(config)
    result = await async_check_checkpoint(
        statement,
        signature,
        token,
        roots=trust.trust_anchors,
        other_certs=trust.intermediates,
        crls=trust.crls,
    )
    return result.ok, result.problems


async def _has_news(runtime: Runtime) -> bool:
    async with runtime.session() as session:
        size, _chain = await log_head(session)
        if size == 0:
            return False
        newest = (
            await session.exec(
                select(AuditCheckpoint.size).order_by(col(AuditCheckpoint.size).desc()).limit(1)
            )
        ).first()
        if newest is None:
            return True
        after = (
            await session.exec(
                select(AuditEvent.action)
                .join(AuditLog, col(AuditLog.event_seq) == col(AuditEvent.seq))
                .where(col(AuditLog.position) > newest)
                .limit(2)
            )
        ).all()
        return list(after) not in ([], ["audit.checkpoint"])
