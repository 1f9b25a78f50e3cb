"""Benchmark: docflow's edXML packages against plain lxml + signxml doing the same.

    .venv/bin/python bench/edxml.py [--repeat 9] [--big-mb 10]

Two operations on a one-page PDF and a ``--big-mb`` PDF, RSA-2048 and ECDSA P-256
agency seal keys of the dev PKI:

- **build + sign**: the package with the PDF as its attachment, an enveloped XML
  signature (exclusive C14N, SHA-256) last in ``edXMLHeader``, written to a file.
  Plain: an lxml tree holding the whole base64 text, ``signxml.XMLSigner`` with a
  placeholder (and a ``huge_tree`` parser: signxml re-parses its input and libxml2
  refuses text nodes over 10 MB otherwise), ``tree.write``. docflow:
  ``async_write_signed_package`` (PemSource) from the event loop a service would own.
- **parse + verify**: read the file, check the signature and chain to the dev root,
  get the PDF's bytes. Plain: ``etree.parse(huge_tree=True)`` + ``signxml.XMLVerifier``
  + base64-decoding the text. docflow: ``parse_package`` + ``verify_package`` +
  ``check_package`` (the axis rules too).

Ratios are plain / docflow (> 1: docflow is faster; goal >= 0.8), medians of
interleaved runs. Peak memory: each way runs once more in a fresh subprocess that
reports its peak resident memory (VmHWM) above its resident memory after a warm-up.
Not a test: prints tables.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024
KEYS = {"RSA-2048": "stttt-seal", "P-256": "stttt-seal-p256"}
NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"


def write_pdf(path: Path, size: int) -> None:
    """Incompressible bytes that start like a PDF, written in chunks."""
    with open(path, "wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        left = size
        while left > 0:
            out.write(os.urandom(min(left, MiB)))
            left -= MiB


@functools.cache
def keys(label: str) -> tuple[bytes, bytes, list[bytes]]:
    from tests.pki import chain_pems, signer_pem

    key, cert = signer_pem(label)
    return key, cert, chain_pems(label)


def package(pdf: Path) -> Any:
    from docflow.exchange.edxml import Attachment, AttachmentContent
    from tests.edxml_support import document_package

    content = AttachmentContent.from_file(pdf)
    main = Attachment("cid:main", "main.pdf", "application/pdf", content)
    return document_package(attachments=(main,))


# --------------------------------------------------------------------------- docflow


def docflow_sign(label: str, pdf: Path, out: Path) -> None:
    import signing
    from docflow.exchange.edxml import async_write_signed_package

    key, cert, chain = keys(label)
    source = signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
    with open(out, "wb") as target:
        # a service calls from its running loop: one loop for the whole run, as there
        _loop().run_until_complete(async_write_signed_package(package(pdf), source, target))


@functools.cache
def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()


def docflow_verify(path: Path, root_pem: Path) -> int:
    from docflow.exchange.edxml import (
        TrustAnchors,
        check_package,
        errors_in,
        parse_package,
        verify_package,
    )

    parsed = parse_package(path)
    result = verify_package(parsed, TrustAnchors.of([root_pem.read_bytes()]))
    assert result.valid and not errors_in(check_package(parsed)), result.problems
    return parsed.document.attachments[0].content.size


# --------------------------------------------------------------------------- plain


def _huge_parser() -> Any:
    """What plain lxml needs for a package whose attachment is over 10 MB of base64."""
    from lxml import etree

    return etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


def plain_sign(label: str, pdf: Path, out: Path) -> None:
    from lxml import etree
    from signxml import XMLSigner
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

    from docflow.exchange.edxml import build_package

    key, cert, chain = keys(label)
    # the same header docflow writes, then the whole base64 in the tree, as one would
    header_only = dataclasses.replace(package(pdf), attachments=())
    root = etree.fromstring(build_package(header_only, check=False))
    q = f"{{{NS}}}"
    header = root.find(f".//{q}edXMLHeader")
    etree.SubElement(header, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    item = etree.SubElement(etree.SubElement(root, f"{q}AttachmentEncoded"), f"{q}Attachment")
    fields = (("ContentId", "cid:main"), ("AttachmentName", "main.pdf"))
    for name, value in (*fields, ("ContentType", "application/pdf")):
        etree.SubElement(item, q + name).text = value
    body = etree.SubElement(item, f"{q}ContentTransferEncoded", nsmap={"edXML": NS})
    body.text = base64.b64encode(pdf.read_bytes())
    rsa = label == "stttt-seal"
    method = SignatureMethod.RSA_SHA256 if rsa else SignatureMethod.ECDSA_SHA256
    signer = XMLSigner(
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer._parser = _huge_parser()  # signxml re-parses; its default caps text at 10 MB
    signed = signer.sign(root, key=key, cert=[c.decode() for c in (cert, *chain)])
    signed.getroottree().write(str(out), xml_declaration=True, encoding="UTF-8")


def plain_verify(path: Path, root_pem: Path) -> int:
    from lxml import etree
    from signxml import XMLVerifier

    root = etree.parse(str(path), _huge_parser()).getroot()
    XMLVerifier().verify(root, ca_pem_file=str(root_pem), parser=_huge_parser())
    text = root.find(f".//{{{NS}}}ContentTransferEncoded").text
    return len(base64.b64decode(text))


# --------------------------------------------------------------------------- runs


def timed_pair(
    plain: Callable[[], Any], ours: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Median seconds of (plain, docflow), interleaved so machine noise hits both."""
    plain(), ours()  # warm-up: imports, parsed keys
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in zip((plain, ours), samples, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(samples[0]), statistics.median(samples[1])


def speed_rows(work: Path, repeat: int, big_mb: int, root_pem: Path) -> list[tuple[str, ...]]:
    small, big = work / "small.pdf", work / "big.pdf"
    write_pdf(small, 30_000)
    write_pdf(big, big_mb * MiB)
    rows = []
    for key, label in KEYS.items():
        for name, pdf in (("1 page", small), (f"{big_mb} MB", big)):
            n = repeat if pdf is small else max(5, repeat // 2)
            a, b = work / "plain.edxml", work / "docflow.edxml"
            sign = timed_pair(
                functools.partial(plain_sign, label, pdf, a),
                functools.partial(docflow_sign, label, pdf, b),
                n,
            )
            check = timed_pair(
                functools.partial(plain_verify, a, root_pem),
                functools.partial(docflow_verify, b, root_pem),
                n,
            )
            for op, (p, d) in (("build+sign", sign), ("parse+verify", check)):
                ms = f"{p * 1000:.1f}", f"{d * 1000:.1f}"
                rows.append((key, name, op, *ms, f"{p / d:.2f}x"))
    return rows


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(args: list[str]) -> None:
    """One measured operation in this fresh process: warm up on a small PDF, then the big."""
    op, way, label, small, big, work, root_pem = args
    w, r = Path(work), Path(root_pem)
    sign = docflow_sign if way == "docflow" else plain_sign
    verify = docflow_verify if way == "docflow" else plain_verify
    sign(label, Path(small), w / f"{way}-warm.edxml")
    verify(w / f"{way}-warm.edxml", r)
    if op == "parse+verify":
        sign(label, Path(big), w / f"{way}-big.edxml")
    base = _status("VmRSS")
    if op == "build+sign":
        sign(label, Path(big), w / f"{way}-big.edxml")
    else:
        verify(w / f"{way}-big.edxml", r)
    print(json.dumps({"base": base, "peak": _status("VmHWM")}))


def memory_rows(work: Path, big_mb: int, root_pem: Path) -> list[tuple[str, ...]]:
    rows = []
    for op in ("build+sign", "parse+verify"):
        for way in ("plain", "docflow"):
            files = [work / "small.pdf", work / "big.pdf", work, root_pem]
            proc = subprocess.run(
                [sys.executable, __file__, "--child", op, way, "stttt-seal", *map(str, files)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                rows.append((op, way, "failed", proc.stderr.strip().splitlines()[-1][:60]))
                continue
            m = json.loads(proc.stdout.strip().splitlines()[-1])
            above = (m["peak"] - m["base"]) / MiB
            rows.append((op, way, f"{m['base'] / MiB:.0f}", f"{above:.1f}"))
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--big-mb", type=int, default=10)
    args = parser.parse_args()
    from asn1crypto import pem

    from tests.pki import root_cert

    shm = "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="docflow-bench-edxml-", dir=shm) as tmp:
        work = Path(tmp)
        root_pem = work / "root.pem"
        root_pem.write_bytes(pem.armor("CERTIFICATE", root_cert().dump()))
        rows = speed_rows(work, args.repeat, args.big_mb, root_pem)
        print("edXML package time (median ms; ratio = plain / docflow, goal >= 0.80x)")
        print(table(("key", "pdf", "operation", "plain ms", "docflow ms", "ratio"), rows))
        print()
        print(f"Peak memory for the {args.big_mb} MB PDF (RSA; fresh subprocess each)")
        header = ("operation", "way", "baseline MB", "peak above baseline MB")
        print(table(header, memory_rows(work, args.big_mb, root_pem)))


if __name__ == "__main__":
    main()
