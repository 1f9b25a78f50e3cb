"""The development PKI of the demo province, derived once and cached on disk.

Certomancer derives the certificates from ``certs-dev/certomancer.yml`` and the dev-only
keys; the service URLs inside them (CRL, OCSP, CA issuers) follow the public URL docflow
is reached at, so outside validators (pdfsig, Acrobat) find them wherever docflow runs.
Deriving costs about a second (certomancer signs every certificate again), so the DER of
each certificate is kept under ``<cache_dir>/<digest of the config and URL>/``: a CLI run
or a worker process reads files instead.

**Development keys only**: public, never trusted; production mode refuses them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificateIssuerPublicKeyTypes,
    PrivateKeyTypes,
)

from docflow.core.settings import DEV_PKI_DIR

if TYPE_CHECKING:
    from certomancer.registry import PKIArchitecture

__all__ = [
    "issuer_public_key",
    "AGENCIES",
    "DEFAULT_URL_PREFIX",
    "DEV_ARCH_LABEL",
    "PERSON_ROLES",
    "DevPki",
    "RevokedEntry",
    "atomic_write",
    "dev_pki_for",
]

DEV_CONFIG = DEV_PKI_DIR / "certomancer.yml"
KEY_DIR = DEV_PKI_DIR / "keys-dev-only"
DEV_ARCH_LABEL = "haugiang"
#: The prefix written in certomancer.yml (``make run`` serves there).
DEFAULT_URL_PREFIX = "http://127.0.0.1:8000/dev-pki"

AGENCIES: tuple[str, ...] = ("ubnd", "vp", "stttt", "stc", "ubndvt", "ubndct")
PERSON_ROLES: tuple[str, ...] = ("leader", "specialist")


@dataclass(frozen=True)
class RevokedEntry:
    """A certificate the dev PKI declares revoked (from the configuration)."""

    issuer: str
    """Label of the issuing CA (``ca-stttt``)."""
    serial: int
    since: datetime
    reason: str
    """RFC 5280 reason name as cryptography spells it (``key_compromise``)."""


_SHARED_CERTS: dict[str, dict[str, bytes]] = {}
_SHARED_KEYS: dict[str, PrivateKeyTypes] = {}


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class DevPki:
    """The dev PKI as seen at one URL prefix (``<public URL>/dev-pki``).

    Thread-safe; every method is cheap once the cache holds what it needs.
    """

    def __init__(self, url_prefix: str = DEFAULT_URL_PREFIX, cache_dir: Path | None = None):
        self.url_prefix = url_prefix.rstrip("/")
        config = DEV_CONFIG.read_bytes()
        digest = hashlib.sha256(config + b"\0" + self.url_prefix.encode()).hexdigest()[:16]
        self.cache_dir = None if cache_dir is None else Path(cache_dir) / digest
        self._lock = threading.RLock()
        # the certificates depend on the configuration and the URL only: every instance
        # of this process for that pair shares them (and the keys)
        self._certs: dict[str, bytes] = _SHARED_CERTS.setdefault(digest, {})
        self._keys: dict[str, PrivateKeyTypes] = _SHARED_KEYS

    # ------------------------------------------------------------------ certomancer

    @cached_property
    def arch(self) -> PKIArchitecture:
        """The certomancer architecture (loaded only when the cache lacks something)."""
        import yaml
        from certomancer.registry import ArchLabel, CertomancerConfig

        raw = yaml.safe_load(DEV_CONFIG.read_text(encoding="utf-8"))
        raw["external-url-prefix"] = self.url_prefix
        cfg = CertomancerConfig(
            raw,
            key_search_dir=str(DEV_PKI_DIR),
            lazy_load_keys=True,  # parsing all ~40 keys up front takes seconds
            config_search_dir=str(DEV_PKI_DIR),
        )
        return cfg.get_pki_arch(ArchLabel(DEV_ARCH_LABEL))

    def _cached(self, name: str, derive: Any) -> bytes:
        path = None if self.cache_dir is None else self.cache_dir / name
        if path is not None:
            with contextlib.suppress(OSError):
                return path.read_bytes()
        data: bytes = derive()
        if path is not None:
            with contextlib.suppress(OSError):  # a read-only data dir: memory only
                atomic_write(path, data)
        return data

    # ------------------------------------------------------------------ certificates

    def cert_der(self, label: str) -> bytes:
        """DER of the certificate ``label`` (``root``, ``ca-stttt``, ``stttt-leader``...)."""
        with self._lock:
            found = self._certs.get(label)
            if found is None:
                found = self._cached(f"{label}.der", lambda: self._derive_cert(label))
                self._certs[label] = found
            return found

    def _derive_cert(self, label: str) -> bytes:
        from certomancer.registry import CertLabel

        return bytes(self.arch.get_cert(CertLabel(label)).dump())

    def cert(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_der(label))

    def cert_pem(self, label: str) -> bytes:
        return self.cert(label).public_bytes(serialization.Encoding.PEM)

    def root_pem(self) -> bytes:
        return self.cert_pem("root")

    def ca_labels(self) -> list[str]:
        return [f"ca-{a}" for a in AGENCIES]

    def private_key(self, label: str) -> PrivateKeyTypes:
        """The dev-only key named ``label`` (keys and certificates share their labels)."""
        with self._lock:
            key = self._keys.get(label)
            if key is None:
                path = KEY_DIR / f"{label}.dev-only.key.pem"
                # The repository's own dev keys: the RSA consistency check (against
                # damaged or faulted keys) cost 27 ms a key, about 1 s of every
                # process's start-up for the 34 RSA keys, and guards nothing here.
                key = serialization.load_pem_private_key(
                    path.read_bytes(), None, unsafe_skip_rsa_key_validation=True
                )
                self._keys[label] = key
            return key

    def issuer_private_key(self, label: str) -> CertificateIssuerPrivateKeyTypes:
        """The key named ``label``, checked to be one that can sign certificates and CRLs."""
        key = self.private_key(label)
        if not isinstance(key, _ISSUER_PRIVATE_KEYS):
            raise TypeError(f"the dev key {label} cannot sign certificates")
        return key

    def key_pem(self, label: str) -> bytes:
        return (KEY_DIR / f"{label}.dev-only.key.pem").read_bytes()

    @staticmethod
    def issuer_label(label: str) -> str:
        """The CA that issued ``label``: ``ca-<abbr>`` for agency people and seals."""
        if label in ("root", "tsa") or label.startswith("ca-"):
            return "root"
        if label in ("revoked-signer", "expired-signer"):
            return "ca-stttt"
        abbrev = label.removeprefix("ocsp-").split("-", 1)[0]
        if abbrev not in AGENCIES:
            raise LookupError(f"no development certificate {label!r}")
        return f"ca-{abbrev}"

    def chain_labels(self, label: str) -> list[str]:
        """Issuing CA(s) of ``label`` then the root, nearest first."""
        out: list[str] = []
        current = label
        while current != "root":
            current = self.issuer_label(current)
            out.append(current)
        return out

    def revoked(self) -> list[RevokedEntry]:
        """Every certificate the configuration declares revoked."""

        def derive() -> bytes:
            entries = []
            for issuer, specs in self.arch.enumerate_certs_by_issuer():
                for spec in specs:
                    if spec.revocation is None:
                        continue
                    reason = spec.revocation.reason
                    if reason is None:
                        # The CRL and OCSP answers carry a reason; a config without one is an error.
                        raise ValueError(f"revoked certificate {spec.label} names no reason")
                    entries.append(
                        {
                            "issuer": str(issuer.value if hasattr(issuer, "value") else issuer),
                            "serial": int(self.arch.get_cert(spec.label).serial_number),
                            "since": spec.revocation.revoked_since.astimezone(UTC).isoformat(),
                            "reason": str(reason.native),
                        }
                    )
            return json.dumps(entries).encode()

        with self._lock:
            data = self._certs.get("revoked.json")
            if data is None:
                data = self._certs["revoked.json"] = self._cached("revoked.json", derive)
            raw = json.loads(data)
        return [
            RevokedEntry(e["issuer"], e["serial"], datetime.fromisoformat(e["since"]), e["reason"])
            for e in raw
        ]

    # ------------------------------------------------------------------ signers

    def signer_label(self, name: str) -> str:
        """``stttt.leader`` → ``stttt-leader``; ``STTTT``/``stttt``/``stttt.seal`` → seal."""
        lowered = name.strip().lower()
        if lowered in AGENCIES:
            return f"{lowered}-seal"
        abbrev, _, role = lowered.partition(".")
        if abbrev in AGENCIES and role in (*PERSON_ROLES, "seal"):
            return f"{abbrev}-{role}"
        raise LookupError(
            f"no development certificate for {name!r}; valid names: "
            f"{', '.join(self.signer_names())} (demo users <abbrev>.leader / "
            f"<abbrev>.specialist; an agency abbreviation for its seal)"
        )

    @staticmethod
    def signer_names() -> list[str]:
        users = [f"{a}.{r}" for a in AGENCIES for r in PERSON_ROLES]
        return users + [a.upper() for a in AGENCIES]

    def signer(self, name: str) -> tuple[bytes, bytes, list[bytes]]:
        """``(key PEM, certificate PEM, chain PEMs)`` of a demo user or agency seal."""
        label = self.signer_label(name)
        chain = [self.cert_pem(lbl) for lbl in self.chain_labels(label)]
        return self.key_pem(label), self.cert_pem(label), chain

    # ------------------------------------------------------------------ URLs

    def url(self, kind: str, label: str) -> str:
        """``url("ocsp", "stttt")``, ``url("crl", "root")``, ``url("ca", "stttt")``,
        ``url("tsa", "tsa")``: where the certificates say the services are."""
        base = f"{self.url_prefix}/{DEV_ARCH_LABEL}"
        return {
            "ocsp": f"{base}/ocsp/{label}",
            "crl": f"{base}/crls/{label}/latest.crl",
            "ca": f"{base}/certs/{label}/ca.crt",
            "tsa": f"{base}/tsa/{label}",
        }[kind]

    @property
    def tsa_url(self) -> str:
        return self.url("tsa", "tsa")


_instances: dict[tuple[str, str | None], DevPki] = {}
_instances_lock = threading.Lock()


def dev_pki_for(url_prefix: str = DEFAULT_URL_PREFIX, cache_dir: Path | None = None) -> DevPki:
    """The one ``DevPki`` of this process for ``url_prefix`` and ``cache_dir``."""
    key = (url_prefix.rstrip("/"), None if cache_dir is None else str(cache_dir))
    with _instances_lock:
        found = _instances.get(key)
        if found is None:
            found = _instances[key] = DevPki(url_prefix, cache_dir)
        return found


_ISSUER_PRIVATE_KEYS = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    dsa.DSAPrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
_ISSUER_PUBLIC_KEYS = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    dsa.DSAPublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
)


def issuer_public_key(cert: x509.Certificate) -> CertificateIssuerPublicKeyTypes:
    """``cert``'s public key, checked to be one a certificate issuer can have."""
    key = cert.public_key()
    if not isinstance(key, _ISSUER_PUBLIC_KEYS):
        raise TypeError(f"{cert.subject.rfc4514_string()} has no certificate-signing key")
    return key
