"""Benchmark: docflow's signing against pyHanko "the plain documented way".

    .venv/bin/python bench/signing.py [--repeat 15] [--big-mb 10] [--huge-mb 100]

Plain way, per signature: ``SimpleSigner.load_pkcs12`` + ``PdfSigner`` +
``async_sign_pdf`` (size estimated by a dry run). docflow: ``load_signer`` (parsed key
cached) + ``signing.async_sign_pdf`` (size estimate cached). Both sign file -> file
('wb+'), RSA-2048 and ECDSA P-256 keys of the dev PKI, at B-B and at B-T with the dev
TSA in-process (no HTTP). Goals: RSA >= 1.5x faster, P-256 never slower.

Peak memory: a fresh subprocess signs a ``--huge-mb`` PDF and reports its peak resident
memory (VmHWM) above what it had after imports and a warm-up signature (goal < 100 MB).
Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024
PASS = b"bench"


def write_pdf(path: Path, payload_bytes: int) -> None:
    """A one-page PDF carrying ``payload_bytes`` of incompressible data in one stream,
    written in chunks (never held whole)."""
    offsets: list[int] = []
    with open(path, "wb") as f:
        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

        def obj(body: bytes) -> None:
            offsets.append(f.tell())
            f.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        obj(b"<< /Type /Catalog /Pages 2 0 R /DocflowBench 5 0 R >>")
        obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << >> >>")
        content = b"0 0 1 rg 72 720 200 50 re f"
        obj(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        offsets.append(f.tell())
        f.write(b"5 0 obj\n<< /Length %d >>\nstream\n" % payload_bytes)
        left, chunk = payload_bytes, os.urandom(MiB)
        while left > 0:
            f.write(chunk[: min(left, MiB)])
            left -= MiB
        f.write(b"\nendstream\nendobj\n")
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        for off in offsets:
            f.write(b"%010d 00000 n \n" % off)
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(offsets) + 1, xref))


def p12_file(label: str, workdir: Path) -> Path:
    from docflow.devpki import current

    path = workdir / f"{label}.p12"
    if not path.exists():
        from certomancer.registry import CertLabel

        path.write_bytes(current().arch.package_pkcs12(CertLabel(label), password=PASS))
    return path


async def plain_sign(src: Path, dst: Path, p12: Path, level: str, ts: Any) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASS)
    meta = signers.PdfSignatureMetadata(
        field_name="Sig1", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=ts if level == "B-T" else None)
    with open(src, "rb") as inp, open(dst, "wb+") as out:
        await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(inp, strict=False), output=out)


async def docflow_sign(src: Path, dst: Path, p12: Path, level: str, ts: Any) -> None:
    from signing import Pkcs12Source, SignRequest, async_sign_pdf, load_signer

    signer = load_signer(Pkcs12Source(data=p12, passphrase=PASS))
    request = SignRequest(level=level, field_name="Sig1", timestamper=ts)  # type: ignore[arg-type]
    await async_sign_pdf(src, dst, request, signer)


async def timed_pair(repeat: int, *args: Any) -> tuple[float, float]:
    """Median seconds of (plain, docflow), runs interleaved so machine noise hits both."""
    await plain_sign(*args)  # warm-up (imports; the caches of the way under test)
    await docflow_sign(*args)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in zip((plain_sign, docflow_sign), samples, strict=True):
            t0 = time.perf_counter()
            await fn(*args)
            out.append(time.perf_counter() - t0)
    return statistics.median(samples[0]), statistics.median(samples[1])


async def speed_table(work: Path, repeat: int, big_mb: int) -> list[tuple[str, ...]]:
    from docflow.devpki import dev_timestamper

    ts = dev_timestamper()
    small, big = work / "small.pdf", work / "big.pdf"
    write_pdf(small, 2_000)
    write_pdf(big, big_mb * MiB)
    rows = []
    for key, label in (("RSA-2048", "stttt-seal"), ("P-256", "stttt-seal-p256")):
        p12 = p12_file(label, work)
        for name, src, n in (("1 page", small, repeat), (f"{big_mb} MB", big, max(7, repeat // 2))):
            for level in ("B-B", "B-T"):
                out = work / "out.pdf"
                plain, ours = await timed_pair(n, src, out, p12, level, ts)
                rows.append((key, name, level, f"{plain * 1000:.1f}", f"{ours * 1000:.1f}",
                             f"{plain / ours:.2f}x"))
    return rows


MEMORY_CHILD = r"""
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from signing import Pkcs12Source, SignRequest, async_sign_pdf, load_signer

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

async def main():
    way, src, small, out, p12 = sys.argv[2:7]
    req = SignRequest(level="B-B", field_name="Sig1")
    if way == "docflow":
        signer = load_signer(Pkcs12Source(data=Path(p12), passphrase=b"bench"))
        await async_sign_pdf(Path(small), Path(out), req, signer)
        base = status("VmRSS")
        await async_sign_pdf(Path(src), Path(out), req, signer)
    else:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        async def once(path, mode):
            s = signers.SimpleSigner.load_pkcs12(p12, passphrase=b"bench")
            ps = signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Sig1"), s)
            with open(path, "rb") as inp, open(out, mode) as o:
                await ps.async_sign_pdf(IncrementalPdfFileWriter(inp), output=o)
        mode = "wb" if way == "plain-wb" else "wb+"
        await once(small, mode)
        base = status("VmRSS")
        await once(src, mode)
    print(json.dumps({"base": base, "peak": status("VmHWM")}))

asyncio.run(main())
"""


def memory_rows(work: Path, huge_mb: int) -> list[tuple[str, ...]]:
    huge = work / "huge.pdf"
    write_pdf(huge, huge_mb * MiB)
    small = work / "small.pdf"
    p12 = p12_file("stttt-seal", work)
    rows = []
    for way in ("docflow", "plain-wb+", "plain-wb"):
        proc = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, str(ROOT), way, str(huge), str(small),
             str(work / "huge-out.pdf"), str(p12)],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            rows.append((way, "failed", proc.stderr.strip().splitlines()[-1][:60]))
            continue
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append((way, f"{m['base'] / MiB:.0f}", f"{(m['peak'] - m['base']) / MiB:.1f}"))
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([fmt(header), line, *map(fmt, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--big-mb", type=int, default=10)
    parser.add_argument("--huge-mb", type=int, default=100)
    parser.add_argument("--workdir", default=None, help="Where to write (default tmpfs).")
    args = parser.parse_args()
    # tmpfs when there is one: disk write-back of the 10 MB outputs is noise, not signing
    shm = "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="docflow-bench-", dir=args.workdir or shm) as tmp:
        work = Path(tmp)
        rows = asyncio.run(speed_table(work, args.repeat, args.big_mb))
        print("Signing time per PDF (median ms; ratio = plain / docflow, > 1 is faster)")
        print(table(("key", "pdf", "level", "plain ms", "docflow ms", "ratio"), rows))
        print()
        print(f"Peak memory signing a {args.huge_mb} MB PDF (B-B, RSA; fresh subprocess)")
        print(table(("way", "baseline MB", "peak above baseline MB"),
                    memory_rows(work, args.huge_mb)))


if __name__ == "__main__":
    main()
