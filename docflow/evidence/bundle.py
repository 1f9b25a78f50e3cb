"""Building a document's evidence bundle (needs the database and the store).

The zip holds every version's PDF and every attachment (as uploaded and as signed),
their validation reports (JSON and ETSI XML), the
audit events from the document's first event up to a signed checkpoint (so every hash
can be recomputed up to the signed head), that checkpoint's CMS signature and RFC 3161
token, the trust anchors, CA certificates, CRLs and OCSP responses used, and a
``manifest.json`` listing every member with its SHA-256, itself sealed by the system
seal. ``docflow.evidence.check`` verifies it with none of the server's help.
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

from docflow.evidence import layout
from docflow.evidence.chain import EVENT_FIELDS
from docflow.models import AuditCheckpoint, AuditEvent, utcnow
from docflow.permissions import Principal
from docflow.runtime import Runtime
from docflow.services import documents
from docflow.services.audit_checkpoints import (
    checkpoint_trust,
    create_checkpoint,
    latest_covering,
    system_seal,
)
from docflow.services.audit_events import document_event_clause
from docflow.services.audit_reports import job_reports
from docflow.services.document_files import materialize, run_job
from docflow.services.signing_jobs import SigningConfig

__all__ = ["build_bundle", "job_dss_material"]

README_TEXT = """docflow evidence bundle ({format})

Check it offline with:  docflow verify-bundle THIS.zip
manifest.json lists every member with its SHA-256; manifest.p7s seals it (system seal).
documents/   every version of the document, as stored (vN.pdf)
attachments/ each attachment as uploaded (aN.pdf) and as the agency signed it (aN-signed.pdf)
reports/     validation reports: vN.json (DSS-style) and vN.etsi.xml (ETSI TS 119 102-2);
             reports/attachments/ the same for attachments
audit/       events.jsonl: the chain from the document's first event to the checkpoint;
             checkpoint.json + .p7s (CMS by the system seal) + .tsr (RFC 3161 token over
             the .p7s bytes)
trust/       anchors (roots), CA certificates, CRLs and OCSP responses used
"""


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
    except Exception:  # noqa: BLE001,S110 - no DSS (or unreadable): nothing to add
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


def _event_line(row: Any) -> bytes:
    values = dict(zip((*EVENT_FIELDS, "hash"), row, strict=True))
    values["occurred_at"] = values["occurred_at"].isoformat(timespec="microseconds")
    return json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


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
    material: tuple[dict[bytes, None], dict[bytes, None], dict[bytes, None]],
) -> None:
    """One stored PDF, its two reports, and the revocation data of its DSS."""
    path = await materialize(runtime, sha256, work / f"{sha256}.pdf")
    reports = await run_job(runtime, job_reports, str(path), config, True, True)
    dss = await run_job(runtime, job_dss_material, str(path))
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
    async with runtime.session() as session:
        await documents.load_readable(session, principal, document_id)
        versions = await documents.versions_of(session, document_id)
        attachments = await documents.attachments_of(session, document_id)
        clause = await document_event_clause(session, document_id)
        own = list((await session.exec(select(AuditEvent.seq).where(clause))).all())
    first_seq, last_seq = (min(own), max(own)) if own else (None, None)
    checkpoint: AuditCheckpoint | None = None
    if last_seq is not None:
        async with runtime.session() as session:
            checkpoint = await latest_covering(session, last_seq)
        if checkpoint is None:
            checkpoint = await create_checkpoint(runtime, actor=principal, reason="evidence")
    config = SigningConfig.from_settings(runtime.settings)
    trust = checkpoint_trust(runtime)
    out = _Zip(target)
    certs: dict[bytes, None] = {c.dump(): None for c in trust.intermediates}
    crls: dict[bytes, None] = dict.fromkeys(trust.crls)
    ocsps: dict[bytes, None] = {}
    material = (certs, crls, ocsps)
    version_rows = []
    for v in versions:
        names = _names(layout.document_member(v.version))
        await _add_pdf(runtime, out, config, v.sha256, names, work, material)
        version_rows.append(
            {
                "version": v.version,
                "sha256": v.sha256,
                "produced_by": v.produced_by,
                "created_at": v.created_at.isoformat(),
                **names,
            }
        )
    attachment_rows = []
    for a in attachments:
        for sha, tag in ((a.sha256, ""), (a.signed_sha256, "-signed")):
            if not sha:
                continue
            names = _names(f"{layout.ATTACHMENTS_DIR}a{a.position}{tag}.pdf")
            await _add_pdf(runtime, out, config, sha, names, work, material)
            attachment_rows.append(
                {
                    "position": a.position,
                    "filename": a.filename,
                    "sha256": sha,
                    "signed": bool(tag),
                    "recorded": False,
                    **names,
                }
            )
    if checkpoint is not None and first_seq is not None:
        await _add_chain(runtime, out, first_seq, checkpoint, work)
    seal = await system_seal(config)
    # Every certificate the manifest's seal embeds is also a member (so hash-checked).
    certs.update(dict.fromkeys([seal.signing_cert.dump(), *(c.dump() for c in seal.cert_registry)]))
    for root in trust.trust_anchors:
        out.add(
            layout.ANCHORS_DIR + _der_name(root.dump(), "pem"),
            pem.armor("CERTIFICATE", root.dump()),
        )
    for der in certs:
        out.add(layout.CERTS_DIR + _der_name(der, "pem"), pem.armor("CERTIFICATE", der))
    for der in crls:
        out.add(layout.CRLS_DIR + _der_name(der, "crl"), der)
    for der in ocsps:
        out.add(layout.OCSP_DIR + _der_name(der, "ocsp"), der)
    out.add(layout.README, README_TEXT.format(format=layout.FORMAT).encode())
    manifest = {
        "format": layout.FORMAT,
        "document_id": document_id,
        "created_at": utcnow().isoformat(),
        "versions": version_rows,
        "attachments": attachment_rows,
        "document_event_seqs": own,
        "members": out.members,
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    sealed = await seal.async_sign_general_data(manifest_bytes, "sha256", detached=True)
    out.zf.writestr(layout.MANIFEST, manifest_bytes)
    out.zf.writestr(layout.MANIFEST_SIGNATURE, bytes(sealed.dump()))
    out.zf.close()
    return target


async def _add_chain(
    runtime: Runtime, out: _Zip, first_seq: int, checkpoint: AuditCheckpoint, work: Path
) -> None:
    events_path = work / "events.jsonl"
    columns = [getattr(AuditEvent, name) for name in (*EVENT_FIELDS, "hash")]
    async with runtime.session() as session:
        conn = await session.connection()
        last = first_seq - 1
        with open(events_path, "wb") as fh:
            while last < checkpoint.seq:
                query = (
                    select(*columns)
                    .where(col(AuditEvent.seq) > last, col(AuditEvent.seq) <= checkpoint.seq)
                    .order_by(col(AuditEvent.seq))
                    .limit(10_000)
                )
                rows = (await conn.execute(query)).all()
                if not rows:
                    break
                await asyncio.to_thread(fh.writelines, [_event_line(r) for r in rows])
                last = rows[-1][0]
    data = events_path.read_bytes()
    out.add(layout.EVENTS, data)
    out.add(
        layout.CHECKPOINT,
        json.dumps(
            {
                "seq": checkpoint.seq,
                "hash": checkpoint.hash,
                "created_at": checkpoint.created_at.isoformat(timespec="microseconds"),
                "timestamp_time": checkpoint.timestamp_time.isoformat(),
                "reason": checkpoint.reason,
            },
            indent=2,
        ).encode(),
    )
    out.add(layout.CHECKPOINT_SIGNATURE, checkpoint.signature)
    out.add(layout.CHECKPOINT_TIMESTAMP, checkpoint.timestamp_token)
