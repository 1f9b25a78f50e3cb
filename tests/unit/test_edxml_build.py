"""Writing packages: bounded memory for large documents, and the size limit."""

from __future__ import annotations

import base64
import hashlib
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from docflow.exchange.edxml import (
    DEFAULT_MAX_PACKAGE_BYTES,
    AttachmentContent,
    DocumentPackage,
    Limits,
    PackageTooLarge,
    build_package,
    parse_package,
    write_package,
)
from tests.edxml_support import document_package, pdf_bytes

MB = 1024 * 1024


def _package_with_file(tmp_path: Path, size: int) -> tuple[DocumentPackage, bytes]:
    data = pdf_bytes(size)
    source = tmp_path / "main.pdf"
    source.write_bytes(data)
    base = document_package()
    main = replace(base.attachments[0], content=AttachmentContent.from_file(source))
    return replace(base, attachments=(main,)), data


def test_a_10_mb_pdf_is_written_without_holding_its_base64(tmp_path: Path) -> None:
    package, data = _package_with_file(tmp_path, 10 * MB)
    target = tmp_path / "out.edxml"
    tracemalloc.start()
    try:
        with target.open("wb") as out:
            written = write_package(package, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the base64 alone would be 13.3 MB; chunks of 192 kB pass through instead
    assert peak < 2 * MB, f"peak {peak / MB:.1f} MB"
    assert written.size == target.stat().st_size
    assert written.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    text = target.read_bytes()
    start = text.index(b"<edXML:ContentTransferEncoded")
    start = text.index(b">", start) + 1
    end = text.index(b"</edXML:ContentTransferEncoded>", start)
    assert base64.b64decode(text[start:end]) == data


def test_reading_a_10_mb_package_spools_its_attachment_to_disk(tmp_path: Path) -> None:
    package, data = _package_with_file(tmp_path, 10 * MB)
    target = tmp_path / "out.edxml"
    with target.open("wb") as out:
        write_package(package, out)
    spool = tmp_path / "spool"
    spool.mkdir()
    tracemalloc.start()
    try:
        parsed = parse_package(target, limits=Limits(spool_dir=spool))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    content = parsed.document.attachments[0].content
    assert not content.in_memory and content.size == len(data)
    assert content.sha256() == hashlib.sha256(data).hexdigest()
    # Python-side: chunks and the spool buffer, not the 10 MB attachment
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"


def test_the_size_limit_refuses_before_anything_is_written(tmp_path: Path) -> None:
    package, _ = _package_with_file(tmp_path, 3 * MB)
    target = tmp_path / "out.edxml"
    with target.open("wb") as out, pytest.raises(PackageTooLarge) as refused:
        write_package(package, out, limits=Limits(max_package_bytes=4 * MB))
    assert target.stat().st_size == 0
    assert refused.value.code == "package_too_large"
    assert "4.0 MB" in str(refused.value) and "4.0 MB" in refused.value.problems[0].vi


def test_the_limit_is_exact_and_defaults_to_200_mb() -> None:
    assert Limits().max_package_bytes == DEFAULT_MAX_PACKAGE_BYTES == 200 * MB
    package = document_package()
    size = len(build_package(package))
    assert len(build_package(package, limits=Limits(max_package_bytes=size))) == size
    with pytest.raises(PackageTooLarge):
        build_package(package, limits=Limits(max_package_bytes=size - 1))


def test_an_attachment_marker_split_across_writes_is_still_replaced() -> None:
    # many small attachments put markers at every offset of libxml2's output buffer
    base = document_package()
    attachments = tuple(
        replace(
            base.attachments[1],
            content_id=f"cid:{i}",
            content=AttachmentContent.from_bytes(b"PK\x03\x04" + bytes([i]) * (i * 37)),
        )
        for i in range(120)
    )
    package = replace(base, attachments=(base.attachments[0], *attachments))
    parsed = parse_package(build_package(package))
    assert parsed.document.attachments == package.attachments
    assert b"edxml-attachment-" not in build_package(package)
