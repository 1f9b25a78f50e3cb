"""Benchmark: delivery latency between two docflow deployments against delivery inside one.

    .venv/bin/python bench/exchange_latency.py [--docs 20] [--poll SECONDS]

Starts the two deployments of ``tests/two_deployments.py`` (A: the province's agencies,
B: the city's and the district's; each a real ``docflow serve`` with its own SQLite
database and object store, joined as peers with a token each way). Then, one document at
a time, STTTT in A issues a document to UBNDVT in B (peer: sealed edXML package, job
runner, HTTP POST, B verifies the package's XML signature and the PDF's signatures), and
one to STC in A (local: transfer written by the delivery job right after the issuance
commits, PDF verified) — alternating, so both see the same machine. Each document is
waited for before the next is issued.

Latency = the transfer's ``arrived_at`` in the receiver's inbox − the document's
``issued_at`` in A (both servers' clocks: the same machine), so polling adds nothing.
Prints p50/p99 (nearest rank) of each and the ratio peer / local. The peer path waits
for the job runner's next look for due jobs (``DOCFLOW_JOB_POLL_SECONDS``, default 2 s:
on average half of it); ``--poll`` sets it for both deployments. Not a test.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency_ms(issued_at: str, arrived_at: str) -> float:
    delta = datetime.fromisoformat(arrived_at) - datetime.fromisoformat(issued_at)
    return delta.total_seconds() * 1000


def main() -> None:
    from tests.two_deployments import STC, UBNDVT, two_deployments, wait_until

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20, help="documents per path")
    parser.add_argument("--poll", type=float, default=None,
                        help="DOCFLOW_JOB_POLL_SECONDS of both deployments (default: docflow's)")
    args = parser.parse_args()
    settings = {} if args.poll is None else {"DOCFLOW_JOB_POLL_SECONDS": str(args.poll)}
    peer: list[float] = []
    local: list[float] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="docflow-bench-") as tmp, \
            two_deployments(Path(tmp), settings) as pair:
        print(f"two deployments up in {time.monotonic() - started:.1f} s "
              f"(A {pair.a.origin}, B {pair.b.origin})", flush=True)
        # warm-up: the signing workers, the dev PKI's derived certificates, B's verifier
        for target, deployment, agency in ((UBNDVT, pair.b, "ubndvt"), (STC, pair.a, "stc")):
            subject = f"bench warm-up {agency}"
            pair.a.issue("stttt", [target], subject)
            wait_until(lambda d=deployment, a=agency, s=subject: d.arrived(a, s), subject, 120)
        for n in range(args.docs):
            for target, deployment, agency, out in (
                (UBNDVT, pair.b, "ubndvt", peer), (STC, pair.a, "stc", local)
            ):
                subject = f"bench {agency} {n}"
                issued = pair.a.issue("stttt", [target], subject)
                transfer = wait_until(
                    lambda d=deployment, a=agency, s=subject: d.arrived(a, s), subject, 120,
                    every=0.05)
                out.append(latency_ms(issued["issued_at"], transfer["arrived_at"]))
            print(f"  {n + 1}/{args.docs}: peer {peer[-1]:.0f} ms, local {local[-1]:.0f} ms",
                  flush=True)
    poll = args.poll if args.poll is not None else 2.0
    print(f"\nissue (issued_at in A) -> arrival (arrived_at in the inbox), {args.docs} "
          f"documents each, job runner poll {poll:g} s")
    print(f"{'path':<32}{'p50 ms':>10}{'p99 ms':>10}{'min ms':>10}")
    rows = (("local  A STTTT -> A STC", local), ("peer   A STTTT -> B UBNDVT", peer))
    for name, values in rows:
        print(f"{name:<32}{percentile(values, 0.5):>10.0f}{percentile(values, 0.99):>10.0f}"
              f"{min(values):>10.0f}")
    print(f"ratio peer / local: p50 {percentile(peer, 0.5) / percentile(local, 0.5):.2f}, "
          f"p99 {percentile(peer, 0.99) / percentile(local, 0.99):.2f}")


if __name__ == "__main__":
    main()
