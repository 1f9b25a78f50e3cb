"""Checking an evidence bundle offline: no database, no network, no docflow server.

Everything is judged from the zip alone: member hashes against ``manifest.json``, the
manifest's seal, every PDF re-validated with the bundle's trust anchors and revocation
data (``allow_fetching=False``) and compared with its report, each version's hash found
in the chain, every event's link recomputed up to the checkpoint's head, the
checkpoint's seal signature and the TSA token's imprint. Each problem names its member.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from asn1crypto import cms, pem, x509

import signing
from docflow.audit import bundle_layout as layout
from docflow.audit.bundle_events import check_events
from docflow.audit.checkpoint_sign import async_check_checkpoint, parse_statement
from docflow.audit.failures import CHECK_FAILED, MALFORMED

__all__ = ["BundleCheck", "UnreadableBundle", "async_check_bundle", "check_bundle"]


#: Validating a bundled PDF offline: signing's own errors, or what its input provokes.
_NOT_VALIDATED: tuple[type[Exception], ...] = (signing.SigningError, *CHECK_FAILED)


class UnreadableBundle(Exception):
    """The file is not a zip, or has no readable manifest."""


@dataclass
class BundleCheck:
    """``problems`` empty means every check held; ``passed`` lists what was checked."""

    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_bundle(path: str | Path) -> BundleCheck:
    return asyncio.run(async_check_bundle(path))


def _certs(data: bytes) -> list[x509.Certificate]:
    if pem.detect(data):
        return [x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


async def async_check_bundle(path: str | Path) -> BundleCheck:
    try:
        zf = zipfile.ZipFile(path)
        names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableBundle(f"{path}: not a readable zip ({exc})") from None
    result = BundleCheck()
    try:
        manifest_bytes = zf.read(layout.MANIFEST)
        manifest = json.loads(manifest_bytes)
        listed = {m["name"]: m for m in manifest["members"]}
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        zf.close()
        result.problems.append(
            f"{layout.MANIFEST}: missing or unreadable ({type(exc).__name__}: {exc})"
        )
        return result
    with zf:
        data = _members(zf, names, listed, result)
        roots = [
            c for n, d in data.items() if n.startswith(layout.ANCHORS_DIR) for c in _try(_certs, d)
        ]
        others = [
            c for n, d in data.items() if n.startswith(layout.CERTS_DIR) for c in _try(_certs, d)
        ]
        crls = [d for n, d in data.items() if n.startswith(layout.CRLS_DIR)]
        ocsps = [d for n, d in data.items() if n.startswith(layout.OCSP_DIR)]
        if not roots:
            result.problems.append(f"{layout.ANCHORS_DIR}: the bundle has no trust anchor")
        await _check_manifest_seal(zf, names, manifest_bytes, roots, others, crls, result)
        audit = {n: _try_read(zf, n) for n in (layout.EVENTS, layout.PROOFS, layout.CHECKPOINT)}
        events = check_events(audit, manifest, result.problems, result.passed)
        if layout.CHECKPOINT in data:
            await _check_checkpoint(data, roots, others, crls, result)
        recorded = _recorded_hashes(events)
        validated_at = _validation_time(manifest)
        trust = signing.TrustConfig(
            trust_anchors=tuple(roots),
            intermediates=tuple(others),
            crls=tuple(crls),
            ocsp_responses=tuple(ocsps),
            allow_fetching=False,
            validation_time=validated_at,
        )
        for entry in [*manifest.get("versions", []), *manifest.get("attachments", [])]:
            await _check_version(entry, data, trust, recorded, result)
    return result


def _try(fn: Any, value: bytes) -> list[Any]:
    try:
        return list(fn(value))
    except MALFORMED:  # a damaged member is reported by its hash
        return []


def _members(
    zf: zipfile.ZipFile, names: set[str], listed: dict[str, Any], result: BundleCheck
) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for name, entry in sorted(listed.items()):
        if name not in names:
            result.problems.append(f"{name}: listed in manifest.json but missing from the bundle")
            continue
        try:
            content = zf.read(name)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC error: damaged member
            result.problems.append(f"{name}: cannot be read from the zip ({exc})")
            continue
        if hashlib.sha256(content).hexdigest() != entry.get("sha256"):
            result.problems.append(f"{name}: SHA-256 differs from the one in manifest.json")
            continue
        data[name] = content
    extra = names - set(listed) - {layout.MANIFEST, layout.MANIFEST_SIGNATURE}
    for name in sorted(extra):
        result.problems.append(f"{name}: in the bundle but not listed in manifest.json")
    if not result.problems:
        result.passed.append(f"{len(data)} members match manifest.json")
    return data


async def _check_manifest_seal(
    zf: zipfile.ZipFile,
    names: set[str],
    manifest_bytes: bytes,
    roots: list[Any],
    others: list[Any],
    crls: list[bytes],
    result: BundleCheck,
) -> None:
    from asn1crypto import crl
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    if layout.MANIFEST_SIGNATURE not in names:
        result.problems.append(
            f"{layout.MANIFEST_SIGNATURE}: missing (manifest.json is not sealed)"
        )
        return
    try:
        signed = cms.ContentInfo.load(zf.read(layout.MANIFEST_SIGNATURE))["content"]
        # The seal is not hash-listed: every certificate it embeds must be a listed member.
        known = {c.dump() for c in (*roots, *others)}
        if any(c.chosen.dump() not in known for c in signed["certificates"]):
            result.problems.append(
                f"{layout.MANIFEST_SIGNATURE}: embeds a certificate that is not in trust/"
            )
            return
        context = ValidationContext(
            trust_roots=roots,
            other_certs=others,
            allow_fetching=False,
            crls=[crl.CertificateList.load(c) for c in crls],
            revocation_mode="soft-fail",
            moment=_validation_time(json.loads(manifest_bytes)),
        )
        status = await async_validate_detached_cms(
            manifest_bytes, signed, signer_validation_context=context
        )
        intact = bool(status.intact and status.valid)
    except CHECK_FAILED as exc:
        result.problems.append(
            f"{layout.MANIFEST_SIGNATURE}: cannot be checked ({type(exc).__name__})"
        )
        return
    if not intact:
        result.problems.append(
            f"{layout.MANIFEST}: does not match its seal ({layout.MANIFEST_SIGNATURE})"
        )
    elif not status.trusted:
        result.problems.append(
            f"{layout.MANIFEST_SIGNATURE}: the seal does not chain to a bundled anchor"
        )
    else:
        result.passed.append("manifest.json sealed by the system seal")


def _try_read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes even when they differ from the manifest (to name what changed)."""
    try:
        return zf.read(name)
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return None


async def _check_checkpoint(
    data: dict[str, bytes],
    roots: list[Any],
    others: list[Any],
    crls: list[bytes],
    result: BundleCheck,
) -> None:
    if layout.CHECKPOINT_SIGNATURE not in data or layout.CHECKPOINT_TIMESTAMP not in data:
        result.problems.append(
            f"{layout.CHECKPOINT_SIGNATURE}: checkpoint signature or token missing"
        )
        return
    payload = data[layout.CHECKPOINT]
    try:
        claims = parse_statement(payload)
    except ValueError as exc:
        result.problems.append(f"{layout.CHECKPOINT}: {exc}")
        return
    check = await async_check_checkpoint(
        payload,
        data[layout.CHECKPOINT_SIGNATURE],
        data[layout.CHECKPOINT_TIMESTAMP],
        roots=roots,
        other_certs=others,
        crls=crls,
    )
    if not check.signature_valid:
        result.problems += [
            f"{layout.CHECKPOINT_SIGNATURE}: {p}" for p in check.problems if "seal" in p
        ] or [f"{layout.CHECKPOINT_SIGNATURE}: the seal signature does not hold"]
    if not check.timestamp_valid:
        result.problems += [
            f"{layout.CHECKPOINT_TIMESTAMP}: {p}" for p in check.problems if "timestamp" in p
        ] or [f"{layout.CHECKPOINT_TIMESTAMP}: the timestamp does not hold"]
    if check.ok:
        result.passed.append(
            f"checkpoint of {claims.size} events sealed ({check.signer}), "
            f"timestamped {check.timestamp_time}"
        )


def _recorded_hashes(events: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for e in events:
        for key, value in (e.get("details") or {}).items():
            if "sha256" in key and isinstance(value, str):
                found.add(value)
    return found


def _validation_time(manifest: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(manifest["created_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _version_members(version: dict[str, Any]) -> tuple[str, str, str] | None:
    """The PDF, report and ETSI report members of a manifest's version entry: as named
    there, else derived from its number; None when a name is missing and so is the number."""
    member, report, etsi = version.get("member"), version.get("report"), version.get("etsi")
    if member and report and etsi:
        return member, report, etsi
    n = version.get("version")
    if n is None:
        return None
    return (
        member or layout.document_member(n),
        report or layout.report_member(n),
        etsi or layout.etsi_member(n),
    )


async def _check_version(
    version: dict[str, Any],
    data: dict[str, bytes],
    trust: signing.TrustConfig,
    recorded: set[str],
    result: BundleCheck,
) -> None:
    names = _version_members(version)
    if names is None:
        result.problems.append(
            f"{layout.MANIFEST}: a version entry names neither its number nor its members"
        )
        return
    member, report_name, etsi_name = names
    pdf = data.get(member)
    if pdf is None:
        return  # already reported as missing or changed
    if hashlib.sha256(pdf).hexdigest() != version.get("sha256"):
        result.problems.append(f"{member}: not the version manifest.json names")
        return
    if recorded and version.get("recorded", True) and version["sha256"] not in recorded:
        result.problems.append(f"{member}: its SHA-256 is not recorded in the audit chain")
    try:
        report = await signing.async_validate_pdf(pdf, trust)
        fresh = report.to_dict()
    except _NOT_VALIDATED as exc:
        result.problems.append(f"{member}: cannot be validated ({type(exc).__name__}: {exc})")
        return
    failed = [s for s in fresh.get("signatures", []) if s.get("indication") != "TOTAL_PASSED"]
    for s in failed:
        result.problems.append(
            f"{member}: signature {s.get('field_name')} is {s.get('indication')}"
            f" {s.get('sub_indication') or ''} offline".rstrip()
        )
    stored_raw = data.get(report_name)
    if stored_raw is not None:
        stored = json.loads(stored_raw)
        said = [s.get("indication") for s in stored.get("signatures", [])]
        now = [s.get("indication") for s in fresh.get("signatures", [])]
        if said != now:
            result.problems.append(f"{report_name}: says {said}, offline validation gives {now}")
    xml = data.get(etsi_name)
    if xml is not None:
        try:
            ElementTree.fromstring(xml)
        except ElementTree.ParseError as exc:
            result.problems.append(f"{etsi_name}: not well-formed XML ({exc})")
    if not failed:
        result.passed.append(
            f"{member}: {len(fresh.get('signatures', []))} signature(s) valid offline"
        )
