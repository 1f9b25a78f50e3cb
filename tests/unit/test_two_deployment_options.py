"""What a second deployment on one machine needs: a subset of the demo agencies
(``docflow demo --agencies``) and the seal certificates of a peer's agencies
(``docflow peer add --seal``)."""

from __future__ import annotations

import pytest

from docflow.cli.demo import DEMO_AGENCIES, demo_subset
from docflow.core.errors import InvalidInput
from docflow.exchange.peers import ExternalAgency, with_seals


def test_a_subset_of_the_demo_agencies_in_seeding_order() -> None:
    assert demo_subset(None) == DEMO_AGENCIES
    chosen = demo_subset(" ubndct, UBNDVT ")
    assert [a.abbreviation for a in chosen] == ["UBNDVT", "UBNDCT"]
    for bad in ("", "UBNDVT,HCM", ","):
        with pytest.raises(InvalidInput, match="choose from UBND, VP"):
            demo_subset(bad)


def test_a_seal_belongs_to_an_agency_named_with_the_peer(tmp_path) -> None:
    from docflow.devpki import dev_signer

    pem = dev_signer("UBNDVT")[1].decode()
    agencies = [ExternalAgency("000.04.00.H30", "UBND Vị Thanh"),
                ExternalAgency("000.05.00.H30", "UBND Châu Thành")]
    sealed = with_seals(agencies, {"000.04.00.H30": pem})
    assert [a.seal_pem for a in sealed] == [pem, None]
    with pytest.raises(InvalidInput, match="--agency 000.06.00.H30=Name"):
        with_seals(agencies, {"000.06.00.H30": pem})
    with pytest.raises(InvalidInput, match="not a PEM certificate"):
        with_seals(agencies, {"000.04.00.H30": "-----BEGIN CERTIFICATE-----\nxx\n"})
    with pytest.raises(InvalidInput, match="exactly one certificate"):
        with_seals(agencies, {"000.04.00.H30": pem + pem})


def test_a_recorded_seal_is_what_a_peer_agency_must_sign_with() -> None:
    """The dev seals do not name organ ids, so an external agency's packages pass the
    signer check only through the seal certificate ``peer add --seal`` recorded."""
    from cryptography import x509

    from docflow.accounts.models_agency import Agency
    from docflow.devpki import dev_signer, dev_trust_roots
    from docflow.exchange.imports_problems import PackageRejected
    from docflow.exchange.imports_signature import Verdict, sender_signed
    from docflow.exchange.models import ExchangePeer
    from docflow.exchange.models import SignatureState as Sig

    def verdict(abbrev: str) -> Verdict:
        _key, cert, chain = dev_signer(abbrev)
        certs = [x509.load_pem_x509_certificate(p) for p in (cert, *chain)]
        return Verdict(Sig.VALID, certs[0], tuple(certs), ())

    root = dev_trust_roots()[0].decode()
    peer = ExchangePeer(name="b", organ_pattern="*", url="http://b", trust_anchors_pem=root,
                        auth="token", inbound_token_sha256="0" * 64)
    vithanh_seal = dev_signer("UBNDVT")[1].decode()
    sealed = Agency(name="UBND Vị Thanh", abbreviation="X0000400H30", external=True,
                    seal_certificate_pem=vithanh_seal)
    sender_signed(verdict("UBNDVT"), "000.04.00.H30", sealed, peer)
    with pytest.raises(PackageRejected, match="not a seal certificate"):
        sender_signed(verdict("UBNDCT"), "000.04.00.H30", sealed, peer)
    unsealed = Agency(name="UBND Vị Thanh", abbreviation="X0000400H30", external=True)
    with pytest.raises(PackageRejected, match="not a seal certificate"):
        sender_signed(verdict("UBNDVT"), "000.04.00.H30", unsealed, peer)
