"""The directory on the exchange axis: offered to peers, and fetched from one.

``own_directory`` lists this deployment's own (non-external) agencies as
``GET /api/v1/exchange/directory`` answers them: identifier codes, name, address, e-mail,
telephone, website and the seal certificate (PEM) when the directory holds one.

``sync_peer`` fetches that list from a peer (``directory_url``: the origin of the
peer's package URL, path ``/api/v1/exchange/directory``, with the outbound token and,
for an ``mtls`` peer, our client certificate) and
``apply_directory`` adds or updates the peer's agencies as external agencies:

- only codes shaped like ``000.00.00.H30`` that match the peer's organ pattern are
  taken; others are refused, one line each;
- an agency of this deployment (not external) is never changed, nor given a code;
- a valid seal certificate is recorded, so ``imports_signature.sender_signed`` matches
  the signer of that agency's packages against it (the signature must still chain to
  this deployment's roots or the peer's anchors);
- one ``exchange.directory_synced`` audit event says what was added, updated, refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography import x509
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import DomainError, InvalidInput, NotFoundError
from docflow.core.runtime import Runtime
from docflow.exchange.models import ExchangePeer
from docflow.exchange.peer_tls import client_tls
from docflow.exchange.peers import matches

__all__ = [
    "DIRECTORY_PATH",
    "DirectoryEntry",
    "DirectoryUnavailable",
    "SyncReport",
    "apply_directory",
    "directory_url",
    "fetch_directory",
    "own_directory",
    "parse_directory",
    "sync_peer",
]

DIRECTORY_PATH = "/api/v1/exchange/directory"
MAX_BYTES = 8 << 20
MAX_ENTRIES = 20_000
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: Directory fields taken from a peer, with their column lengths.
#: The shape of an identifier code (organ id), as ``peers.parse_agency`` takes it.
_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_FIELDS = {"name": 255, "address": 500, "email": 255, "phone": 50, "website": 255}


class DirectoryUnavailable(DomainError):
    """502: the peer's directory could not be fetched or read."""

    status_code = 502


@dataclass(frozen=True)
class DirectoryEntry:
    codes: tuple[str, ...]
    name: str
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    seal_certificate_pem: str | None = None


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


async def own_directory(session: AsyncSession) -> list[dict[str, Any]]:
    """This deployment's own agencies, each with its codes (agencies without one are
    not addressable on the axis and are left out)."""
    agencies = (
        await session.exec(
            select(Agency).where(col(Agency.external).is_(False)).order_by(col(Agency.id))
        )
    ).all()
    codes: dict[int, list[str]] = {}
    for row in (await session.exec(select(AgencyCode).order_by(col(AgencyCode.id)))).all():
        codes.setdefault(row.agency_id, []).append(row.code)
    return [
        {"codes": codes[a.id], "name": a.name, "address": a.address, "email": a.email,
         "phone": a.phone, "website": a.website, "seal_certificate_pem": a.seal_certificate_pem}
        for a in agencies
        if a.id in codes
    ]


def directory_url(package_url: str) -> str:
    """The peer's directory: same scheme and host as its package URL."""
    parts = urlsplit(package_url)
    return urlunsplit((parts.scheme, parts.netloc, DIRECTORY_PATH, "", ""))


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _certificate(value: object) -> str | None:
    if not isinstance(value, str) or "BEGIN CERTIFICATE" not in value:
        return None
    try:
        x509.load_pem_x509_certificate(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return value if value.endswith("\n") else value + "\n"


def parse_directory(body: object) -> list[DirectoryEntry]:
    """``{"agencies": [...]}`` as entries; ``DirectoryUnavailable`` if not that shape."""
    items = body.get("agencies") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) > MAX_ENTRIES:
        raise DirectoryUnavailable("The peer's directory is not a list of agencies.")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        codes = item.get("codes")
        codes = [c.strip() for c in codes if isinstance(c, str)] if isinstance(codes, list) else []
        values = {name: _text(item.get(name), limit) for name, limit in _FIELDS.items()}
        entries.append(DirectoryEntry(
            codes=tuple(dict.fromkeys(c for c in codes if c)), name=values.pop("name") or "",
            seal_certificate_pem=_certificate(item.get("seal_certificate_pem")), **values,
        ))
    return entries


async def fetch_directory(peer: ExchangePeer) -> list[DirectoryEntry]:
    """GET the peer's directory with our outbound token."""
    url = directory_url(peer.url)
    headers = {"Accept": "application/json"}
    if peer.outbound_token:
        headers["Authorization"] = f"Bearer {peer.outbound_token}"
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT, verify=client_tls(peer)) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise DirectoryUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        body = " ".join(response.text.split())[:300]
        raise DirectoryUnavailable(f"{url} answered HTTP {response.status_code}: {body}")
    if len(response.content) > MAX_BYTES:
        raise DirectoryUnavailable(f"{url} answered more than {MAX_BYTES} bytes.")
    try:
        return parse_directory(json.loads(response.content))
    except ValueError:
        raise DirectoryUnavailable(f"{url} did not answer JSON.") from None


def _taken_codes(peer: ExchangePeer, entry: DirectoryEntry, report: SyncReport) -> list[str]:
    """The entry's codes this peer may speak for (others refused, one line each)."""
    taken = []
    for code in entry.codes:
        if not _CODE.match(code):
            report.refused.append((code[:40], "not an identifier code like 000.00.00.H30"))
        elif not matches(peer, code):
            report.refused.append((code, f"outside the peer's organ pattern {peer.organ_pattern}"))
        else:
            taken.append(code)
    if not entry.codes:
        report.refused.append(("-", f"an agency without identifier code ({entry.name!r})"))
    elif taken and not entry.name:
        report.refused.append((taken[0], "an agency without a name"))
        return []
    return taken


async def _abbreviation(session: AsyncSession, code: str) -> str:
    base = "X" + code.replace(".", "")
    for candidate in (base, *(f"{base}-{n}" for n in range(2, 100))):
        found = (
            await session.exec(select(Agency.id).where(Agency.abbreviation == candidate))
        ).first()
        if found is None:
            return candidate[:32]
    raise InvalidInput(f"No free abbreviation for the agency {code}.")


def _fill(agency: Agency, entry: DirectoryEntry) -> None:
    agency.name = entry.name
    agency.address, agency.email = entry.address, entry.email
    agency.phone, agency.website = entry.phone, entry.website
    if entry.seal_certificate_pem:
        agency.seal_certificate_pem = entry.seal_certificate_pem


async def _apply_entry(
    session: AsyncSession, codes: list[str], entry: DirectoryEntry, report: SyncReport
) -> None:
    rows = (await session.exec(select(AgencyCode).where(col(AgencyCode.code).in_(codes)))).all()
    owners = {row.agency_id for row in rows}
    agencies = [a for a in [await session.get(Agency, i) for i in sorted(owners)] if a]
    local = [a for a in agencies if not a.external]
    if local or len(agencies) > 1:
        why = ("an agency of this system: never changed by a peer" if local
               else "its codes belong to different agencies here")
        report.refused.extend((code, why) for code in codes)
        return
    agency = agencies[0] if agencies else Agency(
        name=entry.name, abbreviation=await _abbreviation(session, codes[0]), external=True)
    _fill(agency, entry)
    session.add(agency)
    await session.flush()
    assert agency.id is not None
    known = {row.code for row in rows}
    session.add_all(AgencyCode(code=c, agency_id=agency.id) for c in codes if c not in known)
    await session.flush()
    (report.updated if agencies else report.added).append(codes[0])


async def apply_directory(
    session: AsyncSession,
    peer: ExchangePeer,
    entries: Sequence[DirectoryEntry],
    *,
    actor: Someone | None = None,
) -> SyncReport:
    """Add or update the peer's agencies as external agencies (see the module's rules);
    never commits."""
    report = SyncReport()
    for entry in entries:
        codes = _taken_codes(peer, entry, report)
        if codes:
            await _apply_entry(session, codes, entry, report)
    await record_event(
        session, "exchange.directory_synced", actor=actor, subject_type="exchange_peer",
        subject_id=peer.id,
        details={"peer": peer.name, "url": directory_url(peer.url), "added": report.added,
                 "updated": report.updated,
                 "refused": [{"code": c, "reason": r} for c, r in report.refused]},
    )
    return report


async def sync_peer(runtime: Runtime, name: str, *, actor: Someone | None = None) -> SyncReport:
    """Fetch the peer's directory (no transaction open meanwhile), then apply it in one."""
    async with runtime.session() as session:
        peer = (await session.exec(select(ExchangePeer).where(ExchangePeer.name == name))).first()
    if peer is None:
        raise NotFoundError(f"There is no peer named {name!r}.")
    entries = await fetch_directory(peer)
    async with runtime.transaction() as session:
        fresh = await session.get(ExchangePeer, peer.id)
        if fresh is None:
            raise NotFoundError(f"The peer {name!r} was removed meanwhile.")
        return await apply_directory(session, fresh, entries, actor=actor)
