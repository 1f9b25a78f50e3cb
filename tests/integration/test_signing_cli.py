"""``docflow sign`` as an operator runs it: a subprocess, one line on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_signing_support import (
    assert_good,
    assert_pdfsig_valid,
    nss_db,  # noqa: F401 - fixture
    validate_signatures,
)
from tests.pki import signer_p12, tiny_pdf

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCFLOW_ENV": "development"}
    env.pop("DOCFLOW_TSA_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "docflow", "sign", *args],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    "who", [["--signer", "stttt.leader", "--visible"], ["--seal", "STTTT", "--level", "B-LT"]]
)
async def test_sign_command(who: list[str], tmp_path: Path, nss_db: str) -> None:  # noqa: F811
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(tiny_pdf())
    proc = run(str(src), str(out), *who)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"signed {out}")
    data = out.read_bytes()
    (checked,) = await validate_signatures(data)
    assert_good(checked)
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=1)


def test_sign_command_errors(tmp_path: Path) -> None:
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(tiny_pdf())
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(signer_p12("stc-seal", b"right"))
    for args, code, text in [
        (["--p12", str(p12), "--passphrase", "wrong"], 1, "passphrase is wrong"),
        (["--signer", "nobody.clerk"], 2, "no development certificate"),
        ([], 2, "exactly one of"),
    ]:
        proc = run(str(src), str(out), *args)
        assert proc.returncode == code, proc.stderr
        assert text in proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert not out.exists()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    proc = run(str(bad), str(out), "--signer", "stttt.leader")
    assert proc.returncode == 1 and "not a readable PDF" in proc.stderr
    assert "Traceback" not in proc.stderr
