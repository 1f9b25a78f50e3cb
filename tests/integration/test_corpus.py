"""Every file of pyHanko's test corpus: a report or a clean error, in bounded time, never
TOTAL_PASSED (their signers belong to pyHanko's test PKI, which docflow does not trust).

Most files run in-process through ``validate_pdf`` (one test per file, with a timeout);
a representative subset runs through the real ``docflow verify`` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from signing.validation import Indication, UnreadablePdf, validate_pdf
from tests.integration.test_validation_helpers import dev_trust
from tests.services import SHARED_CORPUS, require

REPO = Path(__file__).resolve().parents[2]


CORPUS = SHARED_CORPUS
FILES = (
    sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.pdf"))
    if CORPUS.is_dir()
    else []
)


def _inventory() -> dict[str, str]:
    inv = CORPUS / "INVENTORY.txt"
    if not inv.is_file():
        return {}
    out = {}
    for line in inv.read_text().splitlines():
        name, _, rest = line.partition(" ")
        out[name] = rest
    return out


INVENTORY = _inventory()


def _require_corpus() -> None:
    require(
        CORPUS.is_dir() and bool(FILES), f"corpus not found at {CORPUS} (set DOCFLOW_SHARED_DIR)"
    )


def test_corpus_is_present() -> None:
    _require_corpus()
    assert len(FILES) >= 100


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", FILES or ["(corpus missing)"])
def test_corpus_file_gives_report_or_clean_error(name: str) -> None:
    _require_corpus()
    path = CORPUS / name
    try:
        report = validate_pdf(path, dev_trust())
    except UnreadablePdf as exc:
        reason = str(exc)
        assert reason and "\n" not in reason and len(reason) < 400
        return
    assert report.verdict is not Indication.TOTAL_PASSED, report.to_json()
    assert all(s.indication is not Indication.TOTAL_PASSED for s in report.signatures)
    assert report.signatures or report.errors  # no signature is always said
    for s in report.signatures:
        assert s.errors, f"{name}: {s.field_name} not passed but no reason given"
    report.to_json()  # serialisable
    inv = INVENTORY.get(name, "")
    if "parse=ok" in inv and "signatures=" in inv and "ERR" not in inv:
        listed = int(inv.split("signatures=")[1].split()[0])
        assert len(report.signatures) + len(report.document_timestamps) == listed


def test_strict_parse_failures_agree_with_inventory() -> None:
    _require_corpus()
    unreadable = set()
    for name in FILES:
        try:
            validate_pdf(CORPUS / name, dev_trust())
        except UnreadablePdf:
            unreadable.add(name)
    expected = {n for n, rest in INVENTORY.items() if "parse=ERR" in rest}
    assert unreadable == expected


def test_named_problem_files_are_failed_with_the_reason() -> None:
    _require_corpus()
    for name in ("coverage-anomalies/tail-uncovered.pdf", "coverage-anomalies/one-byterange.pdf"):
        (sig,) = validate_pdf(CORPUS / name, dev_trust()).signatures
        assert sig.indication is Indication.TOTAL_FAILED
        assert any("byte range" in e or "modified" in e for e in sig.errors), (name, sig.errors)
    for name in FILES:
        if "sneaky" in name:
            report = validate_pdf(CORPUS / name, dev_trust())
            assert any(
                any("modified after signing" in e for e in s.errors) for s in report.signatures
            ), name
    (sig,) = validate_pdf(CORPUS / "sig-no-signed-attrs.pdf", dev_trust()).signatures
    assert any("no signed attributes" in e for e in sig.errors)


# --------------------------------------------------------------------------- real CLI

CLI_SUBSET = (
    "minimal.pdf",
    "coverage-anomalies/tail-uncovered.pdf",
    "form-update-override-appearance-stream-sneaky.pdf",
    "sig-no-signed-attrs.pdf",
    "ed448-disallowed-hash.pdf",
    "pades-lta-dss-indirect-arrs-test.pdf",
    "minimal-two-fields-aes256.pdf",
    "form-tree-circular-ref-input.pdf",
    "pdf-sig-with-econtent.pdf",
    "minimal-signed-twice-both-created.pdf",
)
CLI_UNREADABLE = (
    "minimal-startxref-hopeless.pdf",
    "malformed-encrypt-dict1.pdf",
    "minimal-illegal-header.pdf",
)


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCFLOW_ENV": "development"}
    return subprocess.run(
        [sys.executable, "-m", "docflow", "verify", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=False,
    )


@pytest.mark.timeout(120)
def test_cli_on_representative_corpus_files() -> None:
    _require_corpus()
    jobs = [(n, ("--json",) if i % 2 else ()) for i, n in enumerate(CLI_SUBSET)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda j: (j[0], _verify(*j[1], str(CORPUS / j[0]))), jobs))
    for name, proc in results:
        assert proc.returncode == 1, (name, proc.returncode, proc.stderr[-500:])
        assert "Traceback" not in proc.stdout + proc.stderr, name
        assert proc.stdout.strip(), name


@pytest.mark.timeout(120)
def test_cli_unreadable_files_exit_2_with_one_line() -> None:
    _require_corpus()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda n: (n, _verify(str(CORPUS / n))), CLI_UNREADABLE))
    for name, proc in results:
        assert proc.returncode == 2, (name, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stdout + proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("docflow:"), proc.stderr


def test_one_pass_digests_equal_pyhankos_own() -> None:
    """The byte-range digests computed alongside the file hash are exactly pyHanko's."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import EmbeddedPdfSignature

    from signing.validation._input import hash_file_and_byte_ranges

    _require_corpus()
    checked = 0
    for name in FILES:
        data = (CORPUS / name).read_bytes()
        try:
            ours = PdfFileReader(io.BytesIO(data), strict=True)
            theirs = PdfFileReader(io.BytesIO(data), strict=True)
            pairs = [
                (EmbeddedPdfSignature(ours, f, n), EmbeddedPdfSignature(theirs, f2, n2))
                for (n, _o, f), (n2, _o2, f2) in zip(
                    enumerate_sig_fields(ours, filled_status=True),
                    enumerate_sig_fields(theirs, filled_status=True),
                    strict=True,
                )
            ]
        except Exception:  # noqa: BLE001,S112 - unreadable or unlistable: not this test's business
            continue
        hash_file_and_byte_ranges(io.BytesIO(data), [a for a, _ in pairs], len(data))
        for mine, ref in pairs:
            for algo, digest in mine.external_digests.items():
                assert digest == ref.compute_digest(algo), (name, mine.field_name)
                checked += 1
    assert checked >= 20
