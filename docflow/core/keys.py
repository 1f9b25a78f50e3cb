"""Signing set-up as the worker processes receive it: the adapters behind the ports
(seal keys, time-stamping authority, trust), the seal's level, and the helpers the
signing jobs share (errors that cross the process boundary, chains, refusals).

The configured adapters for production live here (PKCS#11 token or PKCS#12 files, a TSA
URL, root certificate files); ``docflow.bootstrap`` chooses them or the dev PKI's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import signing
from docflow.core.ports import SealKeys, TimeStamping, TrustStore

_T = TypeVar("_T")

__all__ = [
    "AnchorFiles",
    "ConfiguredSealKeys",
    "JobFailed",
    "JobRefused",
    "SigningConfig",
    "TsaUrl",
    "anchor_pems",
    "broken_signatures",
    "chain_for",
    "long_term_source",
    "result_dict",
    "run_job_coroutine",
    "seal_source",
    "subject_texts",
    "time_source",
    "trust_config",
]


class JobRefused(Exception):
    """The input cannot be signed or is not acceptable; ``args[0]`` says why and
    ``args[1]``, when given, names the refusal (``pdf_encrypted``: ``DomainError.code``)."""


class JobFailed(Exception):
    """The signing machinery failed (TSA, key, bug); ``args[0]`` says what."""


# --------------------------------------------------------------------------- adapters


@dataclass(frozen=True)
class ConfiguredSealKeys:
    """Seal keys on a PKCS#11 token (labelled by agency abbreviation) or as PKCS#12
    files ``<abbrev>.p12`` in a directory."""

    key_dir: str | None = None
    passphrase: str | None = None
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = None

    def seal_source(self, abbreviation: str, key_ref: str | None = None) -> signing.SignerSource:
        if self.pkcs11_module and self.pkcs11_token:
            return signing.Pkcs11Source(
                module_path=self.pkcs11_module,
                token_label=self.pkcs11_token,
                user_pin=self.pkcs11_pin or "",
                key_label=abbreviation.lower(),
            )
        if self.key_dir:
            path = Path(self.key_dir) / f"{abbreviation.lower()}.p12"
            if not path.is_file():
                path = Path(self.key_dir) / f"{abbreviation.upper()}.p12"
            return signing.Pkcs12Source(data=path, passphrase=self.passphrase)
        raise JobFailed(
            "No agency seal key is configured: set DOCFLOW_SEAL_KEY_DIR or DOCFLOW_PKCS11_*."
        )


@dataclass(frozen=True)
class TsaUrl:
    """An RFC 3161 time-stamping authority over HTTP."""

    url: str | None

    def sign_kwargs(self) -> dict[str, Any]:
        if not self.url:
            raise JobFailed("No time-stamping authority is configured: set DOCFLOW_TSA_URL.")
        return {"tsa_url": self.url}


@lru_cache(maxsize=8)
def _read_files(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(Path(p).read_bytes() for p in paths)


@dataclass(frozen=True)
class AnchorFiles:
    """Root certificates from files; revocation data fetched where the certificates say."""

    paths: tuple[str, ...]

    def anchor_pems(self) -> tuple[bytes, ...]:
        if not self.paths:
            raise JobFailed("No trust anchors are configured: set DOCFLOW_TRUST_ANCHORS.")
        return _read_files(self.paths)

    def ca_pems(self) -> tuple[bytes, ...]:
        return ()

    def revocation_crls(self) -> list[bytes]:
        return []

    def trust_config(self) -> signing.TrustConfig:
        anchors = tuple(c for p in self.anchor_pems() for c in signing.load_certificates(p))
        return signing.TrustConfig(trust_anchors=anchors, allow_fetching=True)

    def long_term_kwargs(self) -> dict[str, Any]:
        return {"trust_roots": self.anchor_pems()}

    def fetch_session(self) -> Any | None:
        return None


@dataclass(frozen=True)
class SigningConfig:
    """What the signing jobs need (picklable): the adapters and the seal's level."""

    seal_keys: SealKeys
    time_stamping: TimeStamping
    trust: TrustStore
    seal_level: str = "B-LTA"


# --------------------------------------------------------------------------- helpers


def time_source(config: SigningConfig) -> dict[str, Any]:
    return config.time_stamping.sign_kwargs()


def anchor_pems(config: SigningConfig) -> tuple[bytes, ...]:
    return config.trust.anchor_pems()


def long_term_source(config: SigningConfig) -> dict[str, Any]:
    """What a B-LT/B-LTA signature needs to gather validation data."""
    return config.trust.long_term_kwargs()


def trust_config(config: SigningConfig) -> signing.TrustConfig:
    return config.trust.trust_config()


def seal_source(
    config: SigningConfig, abbreviation: str, key_ref: str | None = None
) -> signing.SignerSource:
    return config.seal_keys.seal_source(abbreviation, key_ref)


def chain_for(certificate_pem: bytes, config: SigningConfig) -> tuple[bytes, ...]:
    """The issuing CAs of ``certificate_pem`` among the known ones, nearest first."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pems = (*config.trust.anchor_pems(), *config.trust.ca_pems())
    known = [x509.load_pem_x509_certificate(p) for p in pems]
    chain: list[bytes] = []
    current = x509.load_pem_x509_certificate(certificate_pem)
    for _ in range(8):
        issuer = next((c for c in known if c.subject == current.issuer), None)
        if issuer is None:
            break
        chain.append(issuer.public_bytes(Encoding.PEM))
        if issuer.subject == issuer.issuer:
            break
        current = issuer
    return tuple(chain)
def subject_texts(certificate_pem: bytes) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_pem_x509_certificate(certificate_pem)

    def attr(oid: Any) -> str:
        values = cert.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return attr(NameOID.COMMON_NAME), attr(NameOID.TITLE)


def broken_signatures(report: signing.DocumentReport) -> list[str]:
    """Why ``report``'s signatures forbid adding another one (empty: they do not).

    Broken means TOTAL_FAILED (altered, modified against the document's rules, or
    anything appended); a signature that only cannot be trusted here (another PKI,
    missing revocation data) is not broken."""
    problems = [
        f"The signature {s.field_name} is already broken: "
        + ("; ".join(s.errors) or s.sub_indication or s.indication.value)
        for s in report.signatures
        if s.indication is signing.Indication.TOTAL_FAILED
    ]
    problems += [f"The document is already broken: {f.en}" for f in report.findings]
    return problems


def run_job_coroutine(coro: Coroutine[Any, Any, _T]) -> _T:
    try:
        return asyncio.run(coro)
    except (JobRefused, JobFailed):
        raise
    except signing.SigningError as exc:
        raise JobRefused(str(exc)) from None
    except (OSError, ValueError, LookupError, RuntimeError) as exc:
        # What the machinery raises when a TSA, key or file fails: it crosses the process
        # boundary as text. Anything else is a bug and keeps its own type and traceback.
        raise JobFailed(f"{type(exc).__name__}: {exc}") from None


def result_dict(res: Any) -> dict[str, Any]:
    return {"sha256": res.sha256, "size": res.size, "signed_at": res.signed_at.isoformat()}
