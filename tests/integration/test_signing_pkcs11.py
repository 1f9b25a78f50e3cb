"""The stttt seal key in SoftHSM2 signs at B-T; the key never leaves the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing import Pkcs11Source, SignerLoadError, SignRequest, async_sign_pdf, pkcs11_signer
from tests.hsm import SoftHsmToken, softhsm_seal_token  # noqa: F401 - fixture
from tests.integration.test_signing_support import (
    ROOT_PEM,
    assert_good,
    assert_pdfsig_valid,
    nss_db,  # noqa: F401 - fixture
    validate_signatures,
)
from tests.pki import DevPkiServices, chain_pems, pki_services, tiny_pdf  # noqa: F401


@pytest.mark.parametrize("kind", ["rsa", "ec"])
async def test_seal_on_token_signs_bt(
    kind: str,
    softhsm_seal_token: SoftHsmToken,  # noqa: F811
    pki_services: DevPkiServices,  # noqa: F811
    nss_db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    t = softhsm_seal_token
    source = Pkcs11Source(
        module_path=t.module_path,
        token_label=t.token_label,
        user_pin=t.user_pin,
        key_label=t.key_label if kind == "rsa" else t.ec_key_label,
        cert_label=t.cert_label if kind == "rsa" else t.ec_cert_label,
        chain=(*chain_pems("stttt-seal"), ROOT_PEM),
    )
    out = tmp_path / "sealed.pdf"
    with pkcs11_signer(source) as signer:
        assert not hasattr(signer, "signing_key")  # only a handle: the key stays inside
        from pkcs11 import Attribute, ObjectClass

        token_key = signer.pkcs11_session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, label=source.key_label
        )
        assert token_key[Attribute.SENSITIVE] and not token_key[Attribute.EXTRACTABLE]
        result = await async_sign_pdf(
            tiny_pdf(),
            out,
            SignRequest(
                level="B-T",
                field_name="DauCoQuan",
                box=(300, 100, 420, 220),
                tsa_url=pki_services.tsa_url,
                http_session=pki_services.session,
            ),
            signer,
        )
    assert "Sở Thông tin và Truyền thông" in result.signer_subject
    data = out.read_bytes()
    (checked,) = await validate_signatures(data)
    assert_good(checked)
    assert checked.status.timestamp_validity is not None
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=1)


def test_wrong_pin_is_readable(softhsm_seal_token: SoftHsmToken) -> None:  # noqa: F811
    t = softhsm_seal_token
    source = Pkcs11Source(t.module_path, t.token_label, "0000", key_label=t.key_label)
    with pytest.raises(SignerLoadError, match="could not be opened"), pkcs11_signer(source):
        pass
