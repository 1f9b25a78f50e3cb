"""Peers: the other systems packages go to, chosen by a pattern over organ ids.

``add_peer`` stores a peer (its trust anchors read from PEM text, its organ-id pattern
checked) and generates the token the peer presents to us: the token is returned once
and only its SHA-256 is kept. The token we present to the peer is the operator's. A
peer marked ``mtls`` is also shown, when we POST to it, the client certificate whose
PEM files ``add_peer`` checked and stored by path (``client_tls``).
``peer_for`` picks the first peer (by id) whose pattern matches a recipient code.
External agencies (``Agency.external``) named with a peer are added to the directory
so clerks can address them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import secrets
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.exchange.models import ExchangeDelivery, ExchangePeer

__all__ = [
    "CODE_SHAPE",
    "AddedPeer",
    "ClientCertificateError",
    "ExternalAgency",
    "add_peer",
    "check_client_tls",
    "client_tls",
    "list_peers",
    "matches",
    "parse_agency",
    "peer_for",
    "remove_peer",
    "token_sha256",
]

#: One group of an organ-id pattern: digits, capital letters, ``*`` and ``?``.
_PATTERN = re.compile(r"^[0-9A-Z*?]+(\.[0-9A-Z*?]+){0,3}$|^\*$")
#: The shape of an identifier code (organ id), ``000.00.00.H30``.
CODE_SHAPE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class ExternalAgency:
    code: str
    name: str


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
    if not sep or not name or not CODE_SHAPE.match(code):
        raise InvalidInput(
            f"--agency {text!r} is not CODE=Name with a code shaped like 000.00.00.H30."
        )
    return ExternalAgency(code, name)


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


class ClientCertificateError(httpx.TransportError):
    """The client certificate of an ``mtls`` peer cannot be loaded: an attempt that got
    no answer (delivery records it and tries again later, after the files are fixed)."""


def check_client_tls(mtls: bool, certificate: str | None, key: str | None) -> None:
    """Both PEM files for an ``mtls`` peer, readable, the key matching the certificate;
    none for a token peer (``InvalidInput`` otherwise)."""
    if not mtls:
        if certificate or key:
            raise InvalidInput("A client certificate is used only with --mtls.")
        return
    if not certificate or not key:
        raise InvalidInput("An mtls peer needs --client-cert and --client-key (PEM files).")
    try:
        cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
        private = load_pem_private_key(Path(key).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"The client certificate or key cannot be read: {exc}") from None
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*spki) != private.public_key().public_bytes(*spki):
        raise InvalidInput("The client key does not belong to the client certificate.")


def client_tls(peer: ExchangePeer) -> ssl.SSLContext | bool:
    """What ``httpx`` verifies with when POSTing to ``peer``: the default (``True``), or
    for an ``mtls`` peer the default trust plus our client certificate."""
    if peer.auth != "mtls":
        return True
    if not peer.client_certificate_path or not peer.client_key_path:
        raise ClientCertificateError(f"The mtls peer {peer.name!r} has no client certificate.")
    context = httpx.create_ssl_context()  # certifi, or SSL_CERT_FILE / SSL_CERT_DIR
    try:
        context.load_cert_chain(peer.client_certificate_path, peer.client_key_path)
    except (OSError, ssl.SSLError) as exc:
        raise ClientCertificateError(
            f"The client certificate of peer {peer.name!r} cannot be loaded: {exc}"
        ) from None
    return context


async def _add_agencies(session: AsyncSession, agencies: Sequence[ExternalAgency]) -> None:
    for item in agencies:
        taken = (
            await session.exec(select(AgencyCode).where(AgencyCode.code == item.code))
        ).first()
        if taken is not None:
            continue  # already in the directory (ours or added with another peer)
        abbreviation = "X" + item.code.replace(".", "")
        agency = Agency(name=item.name, abbreviation=abbreviation, external=True)
        session.add(agency)
        await session.flush()
        assert agency.id is not None
        session.add(AgencyCode(code=item.code, agency_id=agency.id))
    await session.flush()


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
    """Store a new peer (``ConflictError`` if the name is taken); never commits."""
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
                 "agencies": [a.code for a in agencies]},
    )
    return AddedPeer(peer, token, tuple(agencies))


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


def matches(peer: ExchangePeer, organ_id: str) -> bool:
    return fnmatch.fnmatchcase(organ_id, peer.organ_pattern)


async def peer_for(session: AsyncSession, organ_id: str) -> ExchangePeer | None:
    """The first peer (in the order they were added) whose pattern matches ``organ_id``."""
    for peer in await list_peers(session):
        if matches(peer, organ_id):
            return peer
    return None
