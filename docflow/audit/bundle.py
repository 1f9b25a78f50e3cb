"""Building a document's evidence bundle (needs the database and the store).

The zip holds every version's PDF and every attachment (as uploaded and as signed),
their validation reports (JSON and ETSI XML), the
audit events about the document only (its own and its transfers' ``document.*`` and
``transfer.*`` events: no one else's sign-ins or refusals), each with an RFC 6962
inclusion proof over digests up to a signed checkpoint (the other events are present
only as digests inside the proofs), that checkpoint's statement, CMS signature and
RFC 3161 token, the trust anchors, CA certificates, CRLs and OCSP responses used, and a
``manifest.json`` listing every member with its SHA-256, itself sealed by the system
seal. ``docflow.audit.bundle_check`` verifies it with none of the server's help.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from asn1crypto import pem
from sqlmodel import col, select

from docflow.accounts.permissions import Principal
from docflow.audit import bundle_layout as layout
from docflow.audit.checkpoint_sign import parse_statement
from docflow.audit.checkpoints import (
    checkpoint_trust,
    create_checkpoint,
    system_seal,
)
from docflow.audit.copies import log_digests
from docflow.audit.events import document_event_clause
from docflow.audit.failures import MALFORMED
from docflow.audit.merkle import inclusion_proofs, verify_inclusion
from docflow.audit.reports import job_reports
from docflow.audit.sequencer import sequence_pending
from docflow.core.audit_digest import EVENT_FIELDS
from docflow.core.audit_models import AuditCheckpoint, AuditEvent, AuditLog
from docflow.core.db import AsyncSession
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents import documents
from docflow.documents.files import materialize, run_job
from docflow.documents.models import DocumentAttachment, DocumentVersion
from docflow.documents.signing_jobs import SigningConfig

__all__ = ["build_bundle", "job_dss_material"]

README_TEXT = """docflow evidence bundle ({format})

Check it offline with:  docflow verify-bundle THIS.zip
manifest.json lists every member with its SHA-256; manifest.p7s seals it (system seal).
documents/   every version of the document, as stored (vN.pdf)
attachments/ each attachment as uploaded (aN.pdf) and as the agency signed it (aN-signed.pdf)
reports/     validation reports: vN.json (DSS-style) and vN.etsi.xml (ETSI TS 119 102-2);
             reports/attachments/ the same for attachments
audit/       events.jsonl: the document's events; proofs.json: each one's Merkle audit
             path up to the checkpoint; checkpoint.json (the signed statement: size,
             root, chain) + .p7s (CMS by the system seal) + .tsr (RFC 3161 token over
             the .p7s bytes)
trust/       anchors (roots), CA certificates, CRLs and OCSP responses used
"""


#: Reading a stored PDF's security store: the file, or a damaged PDF.
_DSS_UNREADABLE: tuple[type[Exception], ...] = (OSError, *MALFORMED)


def job_dss_material(path: str) -> dict[str, list[bytes]]:
    """Certificates, CRLs and OCSP responses in a PDF's DSS (none when there is no DSS)."""
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    found: dict[str, list[bytes]] = {"certs": [], "crls": [], "ocsps": []}
    try:
        with open(path, "rb") as fh:
            dss = DocumentSecurityStore.read_dss(PdfFileReader(fh, strict=False))
            found["certs"] = [c.dump() for c in dss.load_certs()]
            found["crls"] = [r.get_object().read_data(DecodePurpose.CRL) for r in dss.crls]
            found["ocsps"] = [
                r.get_object().read_data(DecodePurpose.OCSP_RESPONSE) for r in dss.ocsps
            ]
    except _DSS_UNREADABLE:  # no DSS (or unreadable): nothing to add
        pass
    return found


class _Zip:
    def __init__(self, path: Path) -> None:
        self.zf = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.members: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def add(self, name: str, data: bytes, *, stored: bool = False) -> None:
        if name in self._seen:
            return
        self._seen.add(name)
        self.zf.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        self.members.append(
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )

    def add_file(self, name: str, path: Path) -> None:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        self._seen.add(name)
        self.zf.write(path, name, zipfile.ZIP_STORED)
        self.members.append({"name": name, "sha256": digest.hexdigest(), "size": size})


#: What a bundle shows of a document's trail: its own changes and its transfers', never
#: refusals, sign-ins or anything of another subject.
DOCUMENT_ACTIONS = ("document.", "transfer.")


def _event_line(event: AuditEvent, position: int) -> bytes:
    values: dict[str, Any] = {name: getattr(event, name) for name in EVENT_FIELDS}
    values["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    values.update(seq=event.seq, position=position, digest=event.digest)
    return json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


async def document_events(runtime: Runtime, document_id: int) -> list[tuple[AuditEvent, int]]:
    """The document's own events with their log positions, in log order."""
    async with runtime.session() as session:
        clause = await document_event_clause(session, document_id)
        actions = [col(AuditEvent.action).startswith(a) for a in DOCUMENT_ACTIONS]
        query = (
            select(AuditEvent, AuditLog.position)
            .join(AuditLog, col(AuditLog.event_seq) == col(AuditEvent.seq))
            .where(clause, actions[0] | actions[1])
            .order_by(col(AuditLog.position))
        )
        return [(event, int(position)) for event, position in (await session.exec(query)).all()]


#: Certificates, CRLs and OCSP responses gathered for ``trust/`` (dicts: ordered sets).
_Material = tuple[dict[bytes, None], dict[bytes, None], dict[bytes, None]]


def _names(member: str) -> dict[str, str]:
    stem = member.rsplit("/", 1)[-1].removesuffix(".pdf")
    folder = layout.REPORTS_DIR + (
        "" if member.startswith(layout.DOCUMENTS_DIR) else "attachments/"
    )
    return {"member": member, "report": f"{folder}{stem}.json", "etsi": f"{folder}{stem}.etsi.xml"}


async def _add_pdf(
    runtime: Runtime,
    out: _Zip,
    config: SigningConfig,
    sha256: str,
    names: dict[str, str],
    work: Path,
    material: _Material,
) -> None:
    """One stored PDF, its two reports, and the revocation data of its DSS."""
    path = await materialize(runtime.store, sha256, work / f"{sha256}.pdf")
    reports = await run_job(runtime.signing_pool, job_reports, str(path), config, True, True)
    dss = await run_job(runtime.signing_pool, job_dss_material, str(path))
    for target, key in zip(material, ("certs", "crls", "ocsps"), strict=True):
        target.update(dict.fromkeys(dss[key]))
    out.add_file(names["member"], path)
    report = reports["report"] or {"errors": [reports["unreadable"]], "signatures": []}
    out.add(names["report"], json.dumps(report, indent=2, ensure_ascii=False).encode())
    if reports["xml"]:
        out.add(names["etsi"], reports["xml"].encode("utf-8"))


def _der_name(der: bytes, suffix: str) -> str:
    return f"{hashlib.sha256(der).hexdigest()[:16]}.{suffix}"


async def build_bundle(
    runtime: Runtime, principal: Principal, document_id: int, target: Path, work: Path
) -> Path:
    """Write the bundle of ``document_id`` (readable by ``principal``, else 404) to ``target``."""
    async with runtime.transaction() as session:  # the read is noted before the work
        await documents.load_readable(session, principal, document_id)
        versions = await documents.versions_of(session, document_id)
        attachments = await documents.attachments_of(session, document_id)
    await sequence_pending(runtime)  # the document's events so far, this read's too
    own = await document_events(runtime, document_id)
    checkpoint = await _covering_checkpoint(runtime, principal, own)
    config = runtime.signing
    trust = checkpoint_trust(runtime.signing)
    out = _Zip(target)
    certs: dict[bytes, None] = {c.dump(): None for c in trust.intermediates}
    material: _Material = (certs, dict.fromkeys(trust.crls), {})
    version_rows = await _add_versions(runtime, out, config, versions, work, material)
    attachment_rows = await _add_attachments(runtime, out, config, attachments, work, material)
    if checkpoint is not None and own:
        await _add_proofs(runtime, out, own, checkpoint)
    seal = await system_seal(config)
    # Every certificate the manifest's seal embeds is also a member (so hash-checked).
    certs.update(dict.fromkeys([seal.signing_cert.dump(), *(c.dump() for c in seal.cert_registry)]))
    _add_trust(out, [root.dump() for root in trust.trust_anchors], material)
    out.add(layout.README, README_TEXT.format(format=layout.FORMAT).encode())
    manifest = {
        "format": layout.FORMAT,
        "document_id": document_id,
        "created_at": utcnow().isoformat(),
        "versions": version_rows,
        "attachments": attachment_rows,
        "document_event_seqs": [event.seq for event, _position in own],
        "members": out.members,
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    sealed = await seal.async_sign_general_data(manifest_bytes, "sha256", detached=True)
    out.zf.writestr(layout.MANIFEST, manifest_bytes)
    out.zf.writestr(layout.MANIFEST_SIGNATURE, bytes(sealed.dump()))
    out.zf.close()
    return target


async def _covering_checkpoint(
    runtime: Runtime, principal: Principal, own: list[tuple[AuditEvent, int]]
) -> AuditCheckpoint | None:
    """A checkpoint covering the document's last event, made now when none does yet
    (None: the document has no events)."""
    if not own:
        return None
    async with runtime.session() as session:
        checkpoint = await _newest_covering(session, own[-1][1])
    if checkpoint is None:
        checkpoint = await create_checkpoint(runtime, actor=principal, reason="evidence")
    return checkpoint


async def _add_versions(
    runtime: Runtime,
    out: _Zip,
    config: SigningConfig,
    versions: list[DocumentVersion],
    work: Path,
    material: _Material,
) -> list[dict[str, Any]]:
    """Every version's PDF and reports; their entries for the manifest."""
    rows = []
    for v in versions:
        names = _names(layout.document_member(v.version))
        await _add_pdf(runtime, out, config, v.sha256, names, work, material)
        rows.append(
            {
                "version": v.version,
                "sha256": v.sha256,
                "produced_by": v.produced_by,
                "created_at": v.created_at.isoformat(),
                **names,
            }
        )
    return rows


async def _add_attachments(
    runtime: Runtime,
    out: _Zip,
    config: SigningConfig,
    attachments: list[DocumentAttachment],
    work: Path,
    material: _Material,
) -> list[dict[str, Any]]:
    """Every attachment (and its signed copy) with reports; their manifest entries."""
    rows = []
    for a in attachments:
        for sha, tag in ((a.sha256, ""), (a.signed_sha256, "-signed")):
            if not sha:
                continue
            names = _names(f"{layout.ATTACHMENTS_DIR}a{a.position}{tag}.pdf")
            await _add_pdf(runtime, out, config, sha, names, work, material)
            rows.append(
                {
                    "position": a.position,
                    "filename": a.filename,
                    "sha256": sha,
                    "signed": bool(tag),
                    "recorded": False,
                    **names,
                }
            )
    return rows


def _add_trust(out: _Zip, anchors: list[bytes], material: _Material) -> None:
    """``trust/``: the anchors (DER), then certificates, CRLs and OCSP responses."""
    certs, crls, ocsps = material
    for root in anchors:
        out.add(layout.ANCHORS_DIR + _der_name(root, "pem"), pem.armor("CERTIFICATE", root))
    for der in certs:
        out.add(layout.CERTS_DIR + _der_name(der, "pem"), pem.armor("CERTIFICATE", der))
    for der in crls:
        out.add(layout.CRLS_DIR + _der_name(der, "crl"), der)
    for der in ocsps:
        out.add(layout.OCSP_DIR + _der_name(der, "ocsp"), der)


async def _newest_covering(session: AsyncSession, position: int) -> AuditCheckpoint | None:
    """The newest checkpoint with a tree root that covers ``position``."""
    query = (
        select(AuditCheckpoint)
        .where(col(AuditCheckpoint.size) >= position, AuditCheckpoint.frontier != b"")
        .order_by(col(AuditCheckpoint.size).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def _add_proofs(
    runtime: Runtime, out: _Zip, own: list[tuple[AuditEvent, int]], checkpoint: AuditCheckpoint
) -> None:
    """The events, and their audit paths read from the log's digests in one pass."""
    claims = parse_statement(checkpoint.statement)
    size = checkpoint.size
    digests: list[bytes] = []
    async with runtime.session() as session:
        async for batch in log_digests(session, 0, size):
            digests += batch
    indices = [position - 1 for _event, position in own]
    paths = await asyncio.to_thread(inclusion_proofs, digests, size, indices)
    proofs = []
    for event, position in own:
        path = paths[position - 1]
        digest = bytes.fromhex(event.digest)
        if claims.root is None or not verify_inclusion(
            position - 1, size, digest, path, bytes.fromhex(claims.root)
        ):
            raise RuntimeError(f"event {event.seq} is not in checkpoint {size}'s tree")
        proofs.append(
            {
                "seq": event.seq,
                "position": position,
                "digest": event.digest,
                "path": [h.hex() for h in path],
            }
        )
    out.add(layout.EVENTS, b"".join(_event_line(e, p) for e, p in own))
    out.add(
        layout.PROOFS,
        json.dumps({"size": size, "root": claims.root, "proofs": proofs}, indent=1).encode(),
    )
    out.add(layout.CHECKPOINT, checkpoint.statement)
    out.add(layout.CHECKPOINT_SIGNATURE, checkpoint.signature)
    out.add(layout.CHECKPOINT_TIMESTAMP, checkpoint.timestamp_token)
