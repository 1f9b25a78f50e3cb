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
