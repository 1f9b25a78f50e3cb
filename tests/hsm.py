"""A SoftHSM2 token holding the ``stttt-seal`` keys, for PKCS#11 signing tests.

**Development keys only** (see ``certs-dev/README.md``).

Usage::

    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    from pyhanko.config.pkcs11 import TokenCriteria
    from tests.hsm import SoftHsmToken, softhsm_seal_token  # noqa: F401 - fixture

    def test_seal(softhsm_seal_token: SoftHsmToken) -> None:  # noqa: F811
        t = softhsm_seal_token
        session = open_pkcs11_session(
            t.module_path, token_criteria=TokenCriteria(label=t.token_label),
            user_pin=t.user_pin)
        try:
            signer = PKCS11Signer(session, key_label=t.key_label, cert_label=t.cert_label,
                                  other_certs_to_pull=None)   # also pulls ca-stttt, root
            # P-256: key_label=t.ec_key_label, cert_label=t.ec_cert_label and
            # use_raw_mechanism=True (SoftHSM2 lacks CKM_ECDSA_SHA256)
            ...  # PdfSigner(meta, signer=signer).async_sign_pdf(...)
        finally:
            session.close()

The token (``docflow-dev-seal``) holds: RSA-2048 key + cert ``stttt-seal`` (id 01), ECDSA
P-256 key + cert ``stttt-seal-p256`` (id 02), and the certificates ``ca-stttt`` and
``root``. Private keys are sensitive and non-extractable.

SoftHSM reads ``SOFTHSM2_CONF`` when the library is initialised; the fixture sets it to
its own token directory and unloads the module (``pkcs11.unload``) before and after each
test, so every test gets a fresh token. Do not keep PKCS#11 sessions open across tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pki import CERTS_DEV, cert
from tests.services import require

TOKEN_LABEL = "docflow-dev-seal"
SO_PIN = "12345678"
USER_PIN = "1234"
MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)


@dataclass(frozen=True)
class SoftHsmToken:
    module_path: str
    token_label: str
    user_pin: str
    key_label: str
    cert_label: str
    key_id: bytes
    ec_key_label: str
    ec_cert_label: str
    ec_key_id: bytes
    so_pin: str = SO_PIN
    conf_path: str = ""  # the SOFTHSM2_CONF file of this token


def softhsm_module() -> str | None:
    """Path of libsofthsm2.so: ``$SOFTHSM2_MODULE``, the usual places, or ``dpkg -L``."""
    env = os.environ.get("SOFTHSM2_MODULE")
    if env and Path(env).is_file():
        return env
    for candidate in MODULE_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    for package in ("softhsm2", "libsofthsm2"):
        try:
            listing = subprocess.run(
                ["dpkg", "-L", package], capture_output=True, text=True, check=False
            ).stdout
        except OSError:
            return None
        for line in listing.splitlines():
            if line.endswith("/libsofthsm2.so") and Path(line).is_file():
                return line
    return None


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shown = " ".join(a if a not in (SO_PIN, USER_PIN) else "****" for a in args)
        raise RuntimeError(f"`{shown}` failed ({proc.returncode}): {proc.stderr or proc.stdout}")


def _unload(module: str) -> None:
    import pkcs11

    pkcs11.unload(module)


def create_seal_token(workdir: Path, module: str) -> SoftHsmToken:
    """Initialise a token under ``workdir`` and import the stttt seal keys and certs."""
    tokendir = workdir / "tokens"
    tokendir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokendir}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    _run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--so-pin",
            SO_PIN,
            "--pin",
            USER_PIN,
        ],
        env,
    )
    keys_dir = CERTS_DEV / "keys-dev-only"
    objects = [("stttt-seal", "01"), ("stttt-seal-p256", "02")]
    for label, hex_id in objects:
        key_file = keys_dir / f"{label}.dev-only.key.pem"
        _run(
            [
                "softhsm2-util",
                "--import",
                str(key_file),
                "--token",
                TOKEN_LABEL,
                "--label",
                label,
                "--id",
                hex_id,
                "--pin",
                USER_PIN,
            ],
            env,
        )
    certs = [*objects, ("ca-stttt", "11"), ("root", "12")]
    for label, hex_id in certs:
        der_file = workdir / f"{label}.crt"
        der_file.write_bytes(cert(label).dump())
        _run(
            [
                "pkcs11-tool",
                "--module",
                module,
                "--token-label",
                TOKEN_LABEL,
                "--login",
                "--pin",
                USER_PIN,
                "--write-object",
                str(der_file),
                "--type",
                "cert",
                "--id",
                hex_id,
                "--label",
                label,
            ],
            env,
        )
        der_file.unlink()
    return SoftHsmToken(
        module_path=module,
        token_label=TOKEN_LABEL,
        user_pin=USER_PIN,
        key_label="stttt-seal",
        cert_label="stttt-seal",
        key_id=bytes.fromhex("01"),
        ec_key_label="stttt-seal-p256",
        ec_cert_label="stttt-seal-p256",
        ec_key_id=bytes.fromhex("02"),
        conf_path=str(conf),
    )


@pytest.fixture
def softhsm_seal_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHsmToken]:
    """A fresh SoftHSM2 token with the stttt seal keys (RSA + P-256) and certificates."""
    for tool, package in (("softhsm2-util", "softhsm2"), ("pkcs11-tool", "opensc")):
        require(
            shutil.which(tool) is not None, f"`{tool}` not installed (Debian package {package})"
        )
    module = softhsm_module()
    require(module is not None, "libsofthsm2.so not found (Debian package softhsm2)")
    assert module is not None
    token = create_seal_token(tmp_path / "softhsm", module)
    # the library reads SOFTHSM2_CONF on C_Initialize: make this process load it afresh
    _unload(module)
    monkeypatch.setenv("SOFTHSM2_CONF", token.conf_path)
    try:
        yield token
    finally:
        _unload(module)
