"""PKCS#11 signers: the key never leaves the token; only digests go in."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pkcs11 import Mechanism, PKCS11Error
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers.pdf_cms import Signer

from signing.errors import SignerLoadError
from signing.signers.cms import FastCmsMixin
from signing.signers.sources import Pkcs11Source, load_certificates

__all__ = ["close_quietly", "open_pkcs11_signer", "pkcs11_signer"]

log = logging.getLogger(__name__)


def open_pkcs11_signer(source: Pkcs11Source) -> PKCS11Signer:
    """Open a logged-in session on the token and a signer over its key.

    The caller owns the session (``signer.pkcs11_session.close()``); prefer
    :func:`pkcs11_signer` or :func:`signing.load_signer`, which caches it.
    """
    if source.key_label is None and source.key_id is None and source.cert_label is None:
        raise SignerLoadError("Name the key on the token: give a key label, key id or cert label.")
    try:
        session = open_pkcs11_session(
            source.module_path,
            token_criteria=TokenCriteria(label=source.token_label),
            user_pin=source.user_pin,
        )
    except (PKCS11Error, OSError, TypeError, ValueError) as exc:
        # a module that will not load, no such token and a wrong PIN are all PKCS11Errors
        raise SignerLoadError(
            f"The token {source.token_label!r} could not be opened with the PIN given "
            f"({type(exc).__name__}: {exc or 'no detail'})."
        ) from exc
    opened = False
    try:
        signer = _signer_on(session, source)
        opened = True
    except (PKCS11Error, SignerLoadError, ValueError, TypeError) as exc:
        raise SignerLoadError(
            f"The key or certificate was not found on token {source.token_label!r} "
            f"({type(exc).__name__}: {exc or 'no detail'})."
        ) from exc
    finally:
        if not opened:
            session.close()
    return signer


def _signer_on(session: Any, source: Pkcs11Source) -> PKCS11Signer:
    signer = _Pkcs11Signer(
        session,
        cert_label=source.cert_label,
        key_label=source.key_label,
        key_id=source.key_id,
        ca_chain=load_certificates(*source.chain),
    )
    cert = signer.signing_cert  # loads key and certificate: fails early
    if cert.public_key.algorithm == "ec" and not _has_ecdsa_sha256(session):
        signer.use_raw_mechanism = True  # hash here, sign with CKM_ECDSA (SoftHSM2)
    return signer


class _Pkcs11Signer(FastCmsMixin, PKCS11Signer):
    """pyHanko's PKCS#11 signer with :class:`~signing.signers.cms.FastCmsMixin`."""


def _has_ecdsa_sha256(session: Any) -> bool:
    try:
        return Mechanism.ECDSA_SHA256 in set(session.token.slot.get_mechanisms())
    except (PKCS11Error, ValueError):  # unknown: fall back to the raw mechanism
        return False


@contextmanager
def pkcs11_signer(source: Pkcs11Source) -> Iterator[PKCS11Signer]:
    """A PKCS#11 signer whose session is closed on exit."""
    signer = open_pkcs11_signer(source)
    try:
        yield signer
    finally:
        signer.pkcs11_session.close()


def close_quietly(signer: Signer) -> None:
    """Close a token signer's session; a stale one (token removed, session gone) must not
    fail the caller that is only letting go of it."""
    if not isinstance(signer, PKCS11Signer):
        return
    try:
        signer.pkcs11_session.close()
    except PKCS11Error as exc:
        log.info("PKCS#11 session already unusable when closed (%s)", exc)
