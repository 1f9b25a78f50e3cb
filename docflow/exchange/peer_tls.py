"""Mutual TLS towards a peer whose ``auth`` is ``mtls``: our client certificate.

``check_client_tls`` checks, when the peer is added, that both PEM files are there and
that the key belongs to the certificate (only their paths are stored, never the key).
``client_tls`` is what ``httpx`` verifies with when we POST a package to the peer or
fetch its directory: ``True`` (the default roots) for a token peer; for an ``mtls``
peer the default roots (``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set) plus our client
certificate. A file that cannot be loaded then is ``ClientCertificateError``, an
``httpx`` transport error: delivery records a failed attempt and tries again later.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from docflow.core.errors import InvalidInput
from docflow.exchange.models import ExchangePeer

__all__ = ["ClientCertificateError", "check_client_tls", "client_tls"]


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
    """What ``httpx`` verifies with when calling ``peer`` (see the module docstring)."""
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
