"""Settings and key material for the signing jobs (worker side): time source, trust
anchors, dev CRLs (cached), agency seal keys, certificate chains, error types."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import signing
from docflow.settings import Settings

__all__ = [
    "JobFailed",
    "JobRefused",
    "SigningConfig",
    "anchor_pems",
    "broken_signatures",
    "chain_for",
    "dev_crls_cached",
    "long_term_source",
    "result_dict",
    "run_job_coroutine",
    "seal_source",
    "subject_texts",
    "time_source",
    "trust_config",
]


class JobRefused(Exception):
    """The input cannot be signed or is not acceptable; ``args[0]`` says why."""


class JobFailed(Exception):
    """The signing machinery failed (TSA, key, bug); ``args[0]`` says what."""


@dataclass(frozen=True)
class SigningConfig:
    """What a worker needs from the settings (picklable)."""

    demo: bool
    tsa_url: str | None
    trust_anchor_files: tuple[str, ...]
    seal_level: str
    seal_key_dir: str | None
    seal_key_passphrase: str | None
    pkcs11_module: str | None
    pkcs11_token: str | None
    pkcs11_pin: str | None
    #: Where the dev PKI's services are (its certificates name them) and its disk cache.
    dev_pki_url: str = "http://127.0.0.1:8000/dev-pki"
    dev_pki_cache: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SigningConfig:
        return cls(
            demo=not settings.is_production,
            tsa_url=settings.tsa_url,
            trust_anchor_files=tuple(str(p) for p in settings.trust_anchors),
            seal_level=getattr(settings, "seal_level", "B-LT"),
            seal_key_dir=str(settings.seal_key_dir) if settings.seal_key_dir else None,
            seal_key_passphrase=settings.seal_key_passphrase,
            pkcs11_module=str(settings.pkcs11_module) if settings.pkcs11_module else None,
            pkcs11_token=settings.pkcs11_token,
            pkcs11_pin=settings.pkcs11_pin,
            dev_pki_url=settings.public_url.rstrip("/") + "/dev-pki",
            dev_pki_cache=str(Path(settings.data_dir).resolve() / "dev-pki-cache"),
        )

    @property
    def uses_dev_pki(self) -> bool:
        return self.demo and not self.trust_anchor_files


# --------------------------------------------------------------------------- helpers


def dev_pki(config: SigningConfig) -> Any:
    """The dev PKI this configuration names (demo mode only)."""
    from docflow.devpki import configure
    from docflow.devpki.pki import dev_pki_for

    cache = Path(config.dev_pki_cache) if config.dev_pki_cache else None
    return configure(dev_pki_for(config.dev_pki_url, cache))


def time_source(config: SigningConfig) -> dict[str, Any]:
    if config.tsa_url:
        return {"tsa_url": config.tsa_url}
    if config.demo:
        from docflow.devpki import dev_timestamper

        return {"timestamper": dev_timestamper(dev_pki(config))}
    raise JobFailed("No time-stamping authority is configured: set DOCFLOW_TSA_URL.")


@lru_cache(maxsize=4)
def anchor_pems(config: SigningConfig) -> tuple[bytes, ...]:
    if config.trust_anchor_files:
        return tuple(Path(p).read_bytes() for p in config.trust_anchor_files)
    if config.demo:
        from docflow.devpki import dev_trust_roots

        return tuple(dev_trust_roots(dev_pki(config)))
    raise JobFailed("No trust anchors are configured: set DOCFLOW_TRUST_ANCHORS.")


def long_term_source(config: SigningConfig) -> dict[str, Any]:
    """What a B-LT/B-LTA signature needs to gather validation data: trust anchors, and in
    demo mode the dev PKI's CRL/OCSP answered in-process (fetched as in production, so the
    DSS holds the data of the signatures' own chains, and status after archive stamps)."""
    extra: dict[str, Any] = {"trust_roots": anchor_pems(config)}
    if config.uses_dev_pki:
        from docflow.devpki.fetch import DevPkiSession

        extra.update(http_session=DevPkiSession(dev_pki(config)), allow_fetching=True)
    return extra


def dev_crls_cached(
    config: SigningConfig, repos: tuple[str, ...] | None = None
) -> tuple[bytes, ...]:
    """Current dev CRLs (the dev PKI reuses each until shortly before its nextUpdate)."""
    from docflow.devpki import dev_crls

    return tuple(dev_crls(repos, pki=dev_pki(config)))


def trust_config(config: SigningConfig) -> signing.TrustConfig:
    """Validation policy: the dev PKI offline (its CRLs in-process) or the configured anchors."""
    anchors = tuple(c for pem in anchor_pems(config) for c in signing.load_certificates(pem))
    if config.uses_dev_pki:
        from docflow.devpki import dev_intermediates

        inter = tuple(
            c for pem in dev_intermediates(dev_pki(config)) for c in signing.load_certificates(pem)
        )
        return signing.TrustConfig(
            trust_anchors=anchors,
            intermediates=inter,
            crls=dev_crls_cached(config),
            allow_fetching=False,
        )
    return signing.TrustConfig(trust_anchors=anchors, allow_fetching=True)


def seal_source(config: SigningConfig, abbreviation: str) -> signing.SignerSource:
    if config.pkcs11_module and config.pkcs11_token:
        return signing.Pkcs11Source(
            module_path=config.pkcs11_module,
            token_label=config.pkcs11_token,
            user_pin=config.pkcs11_pin or "",
            key_label=abbreviation.lower(),
        )
    if config.seal_key_dir:
        path = Path(config.seal_key_dir) / f"{abbreviation.lower()}.p12"
        if not path.is_file():
            path = Path(config.seal_key_dir) / f"{abbreviation.upper()}.p12"
        return signing.Pkcs12Source(data=path, passphrase=config.seal_key_passphrase)
    if config.demo:
        from docflow.devpki import dev_signer

        key, cert, chain = dev_signer(abbreviation, dev_pki(config))
        return signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
    raise JobFailed(
        "No agency seal key is configured: set DOCFLOW_SEAL_KEY_DIR or DOCFLOW_PKCS11_*."
    )


@lru_cache(maxsize=4)
def known_ca_pems(config: SigningConfig) -> tuple[bytes, ...]:
    """CA certificates a personal certificate may chain to (to embed in the signature)."""
    pems = list(anchor_pems(config))
    if config.uses_dev_pki:
        from docflow.devpki import dev_intermediates

        pems += dev_intermediates(dev_pki(config))
    return tuple(pems)


def chain_for(certificate_pem: bytes, config: SigningConfig) -> tuple[bytes, ...]:
    """The issuing CAs of ``certificate_pem`` among the known ones, nearest first."""
    from cryptography import x509

    known = [x509.load_pem_x509_certificate(p) for p in known_ca_pems(config)]
    chain: list[bytes] = []
    current = x509.load_pem_x509_certificate(certificate_pem)
    for _ in range(8):
        issuer = next((c for c in known if c.subject == current.issuer), None)
        if issuer is None:
            break
        from cryptography.hazmat.primitives.serialization import Encoding

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


def run_job_coroutine(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except (JobRefused, JobFailed):
        raise
    except signing.SigningError as exc:
        raise JobRefused(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - crosses a process boundary as text
        raise JobFailed(f"{type(exc).__name__}: {exc}") from None


def result_dict(res: Any) -> dict[str, Any]:
    return {"sha256": res.sha256, "size": res.size, "signed_at": res.signed_at.isoformat()}
