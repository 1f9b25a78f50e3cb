"""No signature goes on a document whose signatures are already broken, and a B-LTA file
without revocation data from after its archive timestamp says, years later, what it lacks."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import signing
from docflow.bootstrap import signing_config
from docflow.cli.sign import sign_command
from docflow.cli.verify import verify_command
from docflow.core.settings import Settings
from docflow.devpki import dev_timestamper, dev_trust_roots
from docflow.devpki.pki import dev_pki_for
from docflow.documents.signing_jobs import JobRefused
from docflow.transfers.stamp_jobs import job_stamp_incoming
from tests.attacks import ATTACKS
from tests.integration.test_sealed_meaning import _source, sealed_document
from tests.integration.test_validation_helpers import text_pdf


@pytest.mark.parametrize(
    "attack", ["number rewritten after the seal", "object appended after %%EOF"]
)
async def test_docflow_sign_refuses_a_document_already_broken(attack: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(ATTACKS[attack][0](await sealed_document("B-T")))
    out = tmp_path / "out.pdf"
    result = await asyncio.to_thread(
        CliRunner().invoke, sign_command, [str(broken), str(out), "--signer", "stc.leader"]
    )
    assert result.exit_code == 1, result.output
    assert "not signed" in result.output and "already broken" in result.output
    assert not out.exists()


async def test_the_incoming_stamp_is_not_applied_over_broken_signatures(tmp_path: Path) -> None:
    broken = tmp_path / "received.pdf"
    broken.write_bytes(
        ATTACKS["new unsigned signature field paints text"][0](await sealed_document("B-T"))
    )
    config = signing_config(Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path)}))
    with pytest.raises(JobRefused, match="incoming stamp is not applied.*already broken"):
        await asyncio.to_thread(
            job_stamp_incoming,
            str(broken),
            str(tmp_path / "stamped.pdf"),
            "STC",
            None,
            "Sở Tài chính tỉnh Hậu Giang",
            3,
            datetime.now(UTC).isoformat(),
            config,
        )
    assert not (tmp_path / "stamped.pdf").exists()


async def test_b_lta_without_status_after_its_archive_timestamp_says_so_years_later(
    tmp_path: Path,
) -> None:
    """Signed offline (no fetching): the DSS holds only data from before the archive
    timestamp, so offline, years later, nothing shows its TSA unrevoked."""
    from docflow.devpki import dev_crls

    request = signing.SignRequest(
        level="B-LTA",
        field_name="DauCoQuan",
        timestamper=dev_timestamper(dev_pki_for()),
        trust_roots=tuple(dev_trust_roots(dev_pki_for())),
        crls=tuple(dev_crls(pki=dev_pki_for())),
        allow_fetching=False,
    )
    out = io.BytesIO()
    await signing.async_sign_pdf(
        text_pdf(), out, request, await signing.async_load_signer(_source("STTTT"))
    )
    path = tmp_path / "offline-lta.pdf"
    path.write_bytes(out.getvalue())
    now = await asyncio.to_thread(CliRunner().invoke, verify_command, [str(path)])
    assert now.exit_code == 0, now.output
    later = (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat()
    years = await asyncio.to_thread(CliRunner().invoke, verify_command, [str(path), "--at", later])
    assert years.exit_code == 1, years.output
    assert "issued after" in years.output and "archive timestamp" in years.output, years.output
