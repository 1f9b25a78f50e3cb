"""Peers: the other systems packages go to, chosen by a pattern over organ ids.

``add_peer`` stores a peer (its trust anchors read from PEM text, its organ-id pattern
checked) and generates the token the peer presents to us: the token is returned once
and only its SHA-256 is kept. The token we present to the peer is the operator's.
``peer_for`` picks the first peer (by id) whose pattern matches a recipient code.
External agencies (``Agency.external``) named with a peer are added to the directory
so clerks can address them, each with its seal certificate when the operator has it
(``--seal CODE=FILE``): a package from that agency must then be signed with exactly it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cryptography import x509
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.exchange.models import ExchangeDelivery, ExchangePeer
from docflow.exchange.peer_tls import check_client_tls

__all__ = [
    "AddedPeer",
    "ExternalAgency",
    "add_peer",
    "list_peers",
    "own_agencies",
    "parse_agency",
    "peer_for",
    "remove_peer",
    "token_sha256",
    "update_peer",
    "with_seals",
]

#: One group of an organ-id pattern: digits, capital letters, ``*`` and ``?``.
_PATTERN = re.compile(r"^[0-9A-Z*?]+(\.[0-9A-Z*?]+){0,3}$|^\*$")
_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class ExternalAgency:
    code: str
    name: str
    #: The agency's seal certificate (PEM), which signs its packages; None if not known.
    seal_pem: str | None = None


@dataclass(frozen=True)
class AddedPeer:
    peer: ExchangePeer
    #: The token the peer presents to us; shown once, only its hash is stored.
    inbound_token: str
    agencies: tuple[ExternalAgency, ...]


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_agency(text: str) -> ExternalAgency:
    """``000.00.00.H31=Sở Nội vụ tỉnh X`` → code and name, or ``InvalidInput``."""
    code, sep, name = text.partition("=")
    code, name = code.strip(), name.strip()
    if not sep or not name or not _CODE.match(code):
        raise InvalidInput(
            f"--agency {text!r} is not CODE=Name with a code shaped like 000.00.00.H30."
        )
    return ExternalAgency(code, name)


def with_seals(
    agencies: Sequence[ExternalAgency], seals: Mapping[str, str]
) -> list[ExternalAgency]:
    """``agencies`` with the seal certificates of ``seals`` (code → PEM text); each must
    be one PEM certificate of an agency named with the peer (``InvalidInput``)."""
    codes = {a.code for a in agencies}
    for code, pem in seals.items():
        if code not in codes:
            raise InvalidInput(
                f"--seal {code}: name that agency with --agency {code}=Name as well."
            )
        try:
            found = x509.load_pem_x509_certificates(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise InvalidInput(f"--seal {code} is not a PEM certificate: {exc}") from exc
        if len(found) != 1:
            raise InvalidInput(f"--seal {code} must hold exactly one certificate.")
    return [replace(a, seal_pem=seals.get(a.code, a.seal_pem)) for a in agencies]


def _check_anchors(pems: Sequence[str]) -> str:
    for pem in pems:
        try:
            if not x509.load_pem_x509_certificates(pem.encode("ascii")):
                raise ValueError("no certificate")
        except (ValueError, UnicodeEncodeError) as exc:
            raise InvalidInput(f"A trust anchor is not a PEM certificate: {exc}") from exc
    return "".join(p if p.endswith("\n") else p + "\n" for p in pems)


def _check_peer(name: str, organ_pattern: str, url: str) -> None:
    if not _NAME.match(name):
        raise InvalidInput(f"The peer name {name!r} may hold letters, digits, '.', '_', '-'.")
    if not _PATTERN.match(organ_pattern):
        raise InvalidInput(
            f"The organ-id pattern {organ_pattern!r} is not like 000.00.*.H31 "
            "(up to four dot-separated groups of digits, capitals, * or ?)."
        )
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(f"The peer URL {url!r} must start with https:// (or http://).")


async def _add_agencies(session: AsyncSession, agencies: Sequence[ExternalAgency]) -> None:
    for item in agencies:
        taken = (
            await session.exec(select(AgencyCode).where(AgencyCode.code == item.code))
        ).first()
        if taken is not None:  # already in the directory (ours or added with another peer)
            if item.seal_pem:
                await _record_seal(session, taken.agency_id, item)
            continue
        abbreviation = "X" + item.code.replace(".", "")
        agency = Agency(name=item.name, abbreviation=abbreviation, external=True,
                        seal_certificate_pem=item.seal_pem)
        session.add(agency)
        await session.flush()
        assert agency.id is not None
        session.add(AgencyCode(code=item.code, agency_id=agency.id))
    await session.flush()


async def _record_seal(session: AsyncSession, agency_id: int, item: ExternalAgency) -> None:
    """The seal of an external agency already in the directory; never one of ours."""
    agency = await session.get(Agency, agency_id)
    if agency is None or not agency.external:
        raise InvalidInput(
            f"{item.code} is an agency of this system: its seal is not the peer's to give."
        )
    agency.seal_certificate_pem = item.seal_pem
    session.add(agency)


async def add_peer(
    session: AsyncSession,
    *,
    name: str,
    organ_pattern: str,
    url: str,
    anchors_pem: Sequence[str] = (),
    outbound_token: str | None = None,
    allow_unsigned: bool = False,
    mtls: bool = False,
    client_certificate: str | None = None,
    client_key: str | None = None,
    agencies: Sequence[ExternalAgency] = (),
    actor: Someone | None = None,
) -> AddedPeer:
    """Store a new peer (``ConflictError`` if the name is taken); never commits. An
    ``mtls`` peer needs our client certificate's PEM files (``peer_tls``)."""
    _check_peer(name, organ_pattern, url)
    check_client_tls(mtls, client_certificate, client_key)
    if (await session.exec(select(ExchangePeer).where(ExchangePeer.name == name))).first():
        raise ConflictError(f"There is already a peer named {name!r}.")
    token = secrets.token_urlsafe(32)
    peer = ExchangePeer(
        name=name,
        organ_pattern=organ_pattern,
        url=url,
        trust_anchors_pem=_check_anchors(anchors_pem),
        auth="mtls" if mtls else "token",
        inbound_token_sha256=token_sha256(token),
        outbound_token=outbound_token or None,
        allow_unsigned=allow_unsigned,
        client_certificate_path=client_certificate or None,
        client_key_path=client_key or None,
    )
    session.add(peer)
    await session.flush()
    await _add_agencies(session, agencies)
    await record_event(
        session,
        "exchange.peer_added",
        actor=actor,
        subject_type="exchange_peer",
        subject_id=peer.id,
        details={"name": name, "organs": organ_pattern, "url": url,
                 "agencies": [a.code for a in agencies],
                 "seals": [a.code for a in agencies if a.seal_pem]},
    )
    return AddedPeer(peer, token, tuple(agencies))


async def update_peer(
    session: AsyncSession,
    name: str,
    *,
    url: str | None = None,
    outbound_token: str | None = None,
    actor: Someone | None = None,
) -> ExchangePeer:
    """Change where a peer's packages go or the token we present to it. Two systems that
    add each other meet a cycle: each one's token is printed by the other's ``peer add``,
    so the first to add gets the token it presents only afterwards."""
    peer = (await session.exec(select(ExchangePeer).where(ExchangePeer.name == name))).first()
    if peer is None:
        raise NotFoundError(f"There is no peer named {name!r}.")
    if url is not None:
        _check_peer(name, peer.organ_pattern, url)
        peer.url = url
    if outbound_token is not None:
        peer.outbound_token = outbound_token or None
    session.add(peer)
    await session.flush()
    await record_event(
        session, "exchange.peer_updated", actor=actor, subject_type="exchange_peer",
        subject_id=peer.id, details={"name": name, "url": peer.url,
                                     "outbound_token_changed": outbound_token is not None},
    )
    return peer


async def list_peers(session: AsyncSession) -> list[ExchangePeer]:
    return list((await session.exec(select(ExchangePeer).order_by(col(ExchangePeer.id)))).all())


async def remove_peer(session: AsyncSession, name: str, *, actor: Someone | None = None) -> None:
    """Remove a peer that has no deliveries (those keep it: ``ConflictError``)."""
    peer = (await session.exec(select(ExchangePeer).where(ExchangePeer.name == name))).first()
    if peer is None:
        raise NotFoundError(f"There is no peer named {name!r}.")
    used = (
        await session.exec(select(ExchangeDelivery.id).where(ExchangeDelivery.peer_id == peer.id))
    ).first()
    if used is not None:
        raise ConflictError(
            f"The peer {name!r} has deliveries on record; they keep it (the trail names it)."
        )
    await session.delete(peer)
    await session.flush()
    await record_event(
        session, "exchange.peer_removed", actor=actor, subject_type="exchange_peer",
        subject_id=peer.id, details={"name": name},
    )


async def own_agencies(session: AsyncSession) -> list[ExternalAgency]:
    """This system's agencies (not external), one entry per identifier code, with their
    seal certificates: what a peer's operator needs for ``docflow peer add``."""
    rows = (
        await session.exec(
            select(AgencyCode.code, Agency.name, Agency.seal_certificate_pem)
            .join(Agency, col(Agency.id) == col(AgencyCode.agency_id))
            .where(col(Agency.external).is_(False))
            .order_by(col(AgencyCode.code))
        )
    ).all()
    return [ExternalAgency(code, name, seal) for code, name, seal in rows]


def matches(peer: ExchangePeer, organ_id: str) -> bool:
    return fnmatch.fnmatchcase(organ_id, peer.organ_pattern)


async def peer_for(session: AsyncSession, organ_id: str) -> ExchangePeer | None:
    """The first peer (in the order they were added) whose pattern matches ``organ_id``."""
    for peer in await list_peers(session):
        if matches(peer, organ_id):
            return peer
    return None
