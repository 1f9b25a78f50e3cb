"""The SoftHSM2 seal token works with pyHanko's PKCS11Signer; keys stay in the token."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, ObjectClass
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.validation import async_validate_pdf_signature

from tests.hsm import (
    SoftHsmToken,
    create_seal_token,
    softhsm_seal_token,  # noqa: F401 - fixture
)
from tests.pki import cert, crl_der, offline_validation_context, tiny_pdf


@pytest.mark.parametrize("ec", [False, True], ids=["rsa", "p256"])
async def test_pkcs11_signer_signs_pdf(
    ec: bool,
    softhsm_seal_token: SoftHsmToken,  # noqa: F811
) -> None:
    t = softhsm_seal_token
    key_label = t.ec_key_label if ec else t.key_label
    cert_label = t.ec_cert_label if ec else t.cert_label
    session = open_pkcs11_session(
        t.module_path, token_criteria=TokenCriteria(label=t.token_label), user_pin=t.user_pin
    )
    try:
        signer = PKCS11Signer(
            session,
            key_label=key_label,
            cert_label=cert_label,
            other_certs_to_pull=None,
            # SoftHSM2 (Debian) has no CKM_ECDSA_SHA256: hash in pyHanko, sign raw
            use_raw_mechanism=ec,
        )
        meta = signers.PdfSignatureMetadata(field_name="Seal", subfilter=SigSeedSubFilter.PADES)
        out = BytesIO()
        await signers.PdfSigner(meta, signer=signer).async_sign_pdf(
            IncrementalPdfFileWriter(BytesIO(tiny_pdf())), output=out
        )
    finally:
        session.close()
    sig = PdfFileReader(BytesIO(out.getvalue()), strict=True).embedded_signatures[0]
    assert sig.signer_cert.dump() == cert(cert_label).dump()
    vc = offline_validation_context(crls=[crl_der("stttt"), crl_der("root")])
    status = await async_validate_pdf_signature(sig, vc)
    assert status.bottom_line, status.pretty_print_details()


def test_private_keys_are_sensitive_and_not_extractable(
    softhsm_seal_token: SoftHsmToken,  # noqa: F811
) -> None:
    t = softhsm_seal_token
    token = pkcs11.lib(t.module_path).get_token(token_label=t.token_label)
    with token.open(user_pin=t.user_pin) as session:
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        assert {k.label for k in keys} == {t.key_label, t.ec_key_label}
        assert {k.id for k in keys} == {t.key_id, t.ec_key_id}
        for key in keys:
            assert key[Attribute.SENSITIVE] is True
            assert key[Attribute.EXTRACTABLE] is False
            with pytest.raises(pkcs11.exceptions.PKCS11Error):
                secret = Attribute.PRIVATE_EXPONENT if key.label == t.key_label else Attribute.VALUE
                key[secret]
        found = session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
        certs = {c[Attribute.LABEL] for c in found}
        assert certs == {t.cert_label, t.ec_cert_label, "ca-stttt", "root"}


def test_a_new_token_dir_is_picked_up(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    softhsm_seal_token: SoftHsmToken,  # noqa: F811
) -> None:
    t = softhsm_seal_token
    first = pkcs11.lib(t.module_path).get_token(token_label=t.token_label).serial
    second_token = create_seal_token(tmp_path / "second", t.module_path)
    pkcs11.unload(t.module_path)
    monkeypatch.setenv("SOFTHSM2_CONF", second_token.conf_path)
    second = pkcs11.lib(t.module_path).get_token(token_label=t.token_label).serial
    assert first != second
