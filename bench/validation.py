"""Validation time: docflow's ``async_validate_pdf`` vs pyHanko's bare
``async_validate_pdf_signature`` on the same signed file (1 page and ~10 MB), same
process, interleaved runs, median. Goal: ratio <= 1.1x.

Run: ``.venv/bin/python bench/validation.py [--runs N]`` from the repository root.
Both sides validate offline (B-LT: the revocation data comes from the file's DSS), hard-fail.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import DocumentSecurityStore, async_validate_pdf_signature  # noqa: E402

from signing.validation import Indication, async_validate_pdf  # noqa: E402
from tests.integration.test_validation_helpers import (  # noqa: E402
    dev_services,
    dev_trust,
    sign_with,
    text_pdf,
)
from tests.pki import AGENCIES, cert, root_cert  # noqa: E402


def big_pdf(megabytes: int) -> bytes:
    """A one-page PDF carrying ~``megabytes`` MB of incompressible data (an attachment-like
    stream), built as an incremental update so the classic xref stays valid."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(text_pdf("Bao cao kem phu luc")))
    blob = generic.StreamObject(stream_data=os.urandom(megabytes * 1024 * 1024))
    ref = w.add_object(blob)
    w.root[generic.NameObject("/DocflowBenchBlob")] = ref
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


async def ours(data: bytes) -> None:
    report = await async_validate_pdf(data, dev_trust())
    assert report.verdict is Indication.TOTAL_PASSED, report.to_json()


async def pyhanko_bare(data: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(data), strict=True)
    emb = reader.embedded_signatures[0]
    dss = DocumentSecurityStore.read_dss(reader)
    vc = dss.as_validation_context(
        {
            "trust_roots": [root_cert()],
            "other_certs": [cert(f"ca-{a}") for a in AGENCIES],
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
        }
    )
    status = await async_validate_pdf_signature(emb, vc, vc)
    assert status.bottom_line, status.pretty_print_details()


async def timed(fn: Callable[[bytes], Awaitable[None]], data: bytes) -> float:
    t0 = time.perf_counter()
    await fn(data)
    return time.perf_counter() - t0


async def main(runs: int) -> None:
    logging.disable(logging.WARNING)
    async with dev_services() as pki:
        files = {
            "1 page": await sign_with(pki, "stttt-leader", "B-LT"),
            "~10 MB": await sign_with(pki, "stttt-leader", "B-LT", data=big_pdf(10)),
        }
    print(f"{'file':8} {'size':>10} {'pyHanko (ms)':>13} {'docflow (ms)':>13} {'ratio':>6}")
    for name, data in files.items():
        n = runs if len(data) < 1_000_000 else max(5, runs // 4)
        await ours(data)  # warm-up (imports, caches)
        await pyhanko_bare(data)
        base: list[float] = []
        mine: list[float] = []
        for i in range(n):
            order = (pyhanko_bare, ours) if i % 2 else (ours, pyhanko_bare)
            for fn in order:
                (base if fn is pyhanko_bare else mine).append(await timed(fn, data))
        b, m = statistics.median(base) * 1000, statistics.median(mine) * 1000
        print(f"{name:8} {len(data):>10} {b:>13.1f} {m:>13.1f} {m / b:>5.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
