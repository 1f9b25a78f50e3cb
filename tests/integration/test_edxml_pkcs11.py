"""edXML packages signed with seal keys that never leave a PKCS#11 token (SoftHSM2)."""

from __future__ import annotations

from pathlib import Path

import pytest

import signing
from docflow.exchange.edxml import async_sign_package, parse_package, verify_package
from tests.edxml_support import dev_trust, document_package, pdf_bytes, xmlsec1_verify
from tests.hsm import SoftHsmToken, softhsm_seal_token  # noqa: F401 - fixture
from tests.pki import chain_pems


@pytest.mark.parametrize("kind", ["rsa", "ec"])
async def test_a_token_key_signs_a_package_peers_can_verify(
    kind: str,
    softhsm_seal_token: SoftHsmToken,  # noqa: F811
    tmp_path: Path,
) -> None:
    token = softhsm_seal_token
    label = token.key_label if kind == "rsa" else token.ec_key_label
    source = signing.Pkcs11Source(
        module_path=token.module_path,
        token_label=token.token_label,
        user_pin=token.user_pin,
        key_label=label,
        cert_label=label,
        chain=tuple(chain_pems(label)),
    )
    with signing.pkcs11_signer(source) as signer:
        data = await async_sign_package(document_package(pdf=pdf_bytes(500_000)), signer)
    result = verify_package(parse_package(data), dev_trust())
    assert result.valid, [p.en for p in result.problems]
    assert result.algorithm == ("RSA-SHA256" if kind == "rsa" else "ECDSA-SHA256")
    assert len(result.chain) == 3
    checked = xmlsec1_verify(data, tmp_path)
    assert checked.returncode == 0, checked.stderr
