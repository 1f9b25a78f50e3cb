"""``docflow verify`` on dev-PKI-signed files: exit 0 / 1 / 2, JSON, ETSI XML."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from asn1crypto import pem
from click.testing import CliRunner

from docflow.cli.verify import verify_command
from tests.integration.test_validation_helpers import dev_services, sign_with
from tests.pki import root_cert

REPO = Path(__file__).resolve().parents[2]


def _signed(level: str) -> bytes:
    async def make() -> bytes:
        async with dev_services() as pki:
            return await sign_with(pki, "stc-seal", level)

    return asyncio.run(make())


def test_verify_passing_b_lta_exits_0_and_prints_the_report(tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(_signed("B-LTA"))
    xml = tmp_path / "report.xml"
    result = CliRunner().invoke(verify_command, [str(path), "--etsi-xml", str(xml)])
    assert result.exit_code == 0, result.output
    assert "Verdict: TOTAL_PASSED" in result.output
    assert "[B-LTA]" in result.output and "Sở Tài chính tỉnh Hậu Giang" in result.output
    assert b"total-passed" in xml.read_bytes()
    as_json = CliRunner().invoke(verify_command, [str(path), "--json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.output)
    assert data["verdict"] == "TOTAL_PASSED" and data["signatures"][0]["level"] == "B-LTA"


def test_verify_offline_b_b_exits_1_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "bb.pdf"
    path.write_bytes(_signed("B-B"))
    result = CliRunner().invoke(verify_command, [str(path)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output


def test_verify_with_explicit_trust_file_and_real_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "blt.pdf"
    path.write_bytes(_signed("B-LT"))
    root = tmp_path / "root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", root_cert().dump()))
    env = {**os.environ, "DOCFLOW_ENV": "development"}
    proc = subprocess.run(
        [sys.executable, "-m", "docflow", "verify", str(path), "--trust", str(root), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "TOTAL_PASSED"
