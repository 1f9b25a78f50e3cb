"""Benchmark: S3ObjectStore against the raw ``minio`` client on the same server.

    .venv/bin/python bench/storage.py [--size-mb 200] [--repeat 3]
        [--endpoint HOST:PORT --access-key K --secret-key S [--secure]]

Without ``--endpoint`` it starts its own SeaweedFS (as the test suite does). Every
measurement runs in a fresh subprocess that reports its wall time and its peak resident
memory (VmHWM) above the memory it had after imports, so the two clients are compared
on throughput (goal: store/raw >= 0.8) and on memory (goal: the store adds < 64 MB).
Each repetition uses new content, so the store's "already stored" shortcut never hides
an upload. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024


class PatternStream:
    """``size`` deterministic bytes generated as read, never held whole: a 17 MiB
    pseudo-random pattern (per seed) repeated, so generating costs little next to I/O."""

    _PERIOD = 17 * MiB

    def __init__(self, size: int, seed: int) -> None:
        self._size = size
        self._pos = 0
        self._pattern = random.Random(seed).randbytes(self._PERIOD)
        self._pattern += self._pattern  # a read of up to one period never wraps

    def read(self, n: int = -1, /) -> bytes:
        n = self._size - self._pos if n is None or n < 0 else min(n, self._size - self._pos)
        out: list[bytes] = []
        while n > 0:
            start = self._pos % self._PERIOD
            take = min(n, self._PERIOD)
            out.append(self._pattern[start : start + take])
            self._pos += take
            n -= take
        return b"".join(out) if len(out) != 1 else out[0]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> None:
    from minio import Minio

    from storage import S3ObjectStore

    size = args.size_mb * MiB
    client = Minio(args.endpoint, args.access_key, args.secret_key, secure=args.secure)
    store = S3ObjectStore(
        args.endpoint, args.access_key, args.secret_key, args.bucket, secure=args.secure
    )
    source = PatternStream(size, args.seed)  # its pattern counts in the baseline
    baseline = _status_kb("VmRSS")
    started = time.perf_counter()
    result = ""
    if args.worker == "raw-put":
        client.put_object(args.bucket, args.key, source, size)
    elif args.worker in ("raw-get", "raw-get-sha256"):
        digest = hashlib.sha256()
        hashing = args.worker == "raw-get-sha256"
        response = client.get_object(args.bucket, args.key)
        try:
            while chunk := response.read(MiB):
                if hashing:
                    digest.update(chunk)
        finally:
            response.close()
            response.release_conn()
    elif args.worker == "store-put":
        result = store.put_stream(source).sha256
    elif args.worker == "store-get":
        with store.open(args.key) as f:
            while f.read(MiB):
                pass
    seconds = time.perf_counter() - started
    extra_kb = _status_kb("VmHWM") - baseline
    print(json.dumps({"seconds": seconds, "extra_kb": extra_kb, "result": result}))


def run_worker(base: list[str], op: str, bucket: str, key: str, seed: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, *base, "--worker", op, "--bucket", bucket]
    cmd += ["--key", key, "--seed", str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- driver


def bench(args: argparse.Namespace, endpoint: str, access: str, secret: str) -> None:
    from minio import Minio

    from storage import S3ObjectStore

    base = ["--endpoint", endpoint, "--access-key", access, "--secret-key", secret]
    base += ["--size-mb", str(args.size_mb)] + (["--secure"] if args.secure else [])
    raw_bucket = f"bench-raw-{uuid.uuid4().hex[:8]}"
    store_bucket = f"bench-store-{uuid.uuid4().hex[:8]}"
    Minio(endpoint, access, secret, secure=args.secure).make_bucket(raw_bucket)
    store = S3ObjectStore(endpoint, access, secret, store_bucket, secure=args.secure)
    store.ensure_ready()

    best: dict[str, tuple[float, float]] = {}
    for rep in range(args.repeat):
        seed = 1000 + rep
        key = f"raw/{rep}"
        runs = [
            ("raw-put", raw_bucket, key),
            ("store-put", store_bucket, ""),
            ("raw-get", raw_bucket, key),
            ("raw-get-sha256", raw_bucket, key),
            ("store-get", store_bucket, ""),
        ]
        sha = ""
        for op, bucket, obj in runs:
            if op == "store-get":
                obj = sha
            r = run_worker(base, op, bucket, obj, seed)
            if op == "store-put":
                sha = str(r["result"])
            mbps = args.size_mb * MiB / 1e6 / r["seconds"]
            mem = r["extra_kb"] / 1024
            old = best.get(op)
            best[op] = (max(mbps, old[0]), max(mem, old[1])) if old else (mbps, mem)

    print(
        f"{args.size_mb} MiB object, S3 at {endpoint} (store: {store.describe()}, "
        f"object lock: {store.object_lock}), best of {args.repeat}; "
        "memory = peak RSS above the process after imports"
    )
    print(
        f"{'op':<4} {'raw MB/s':>9} {'store MB/s':>11} {'ratio':>6}   "
        f"{'raw MiB':>8} {'store MiB':>10} {'added':>7}"
    )
    for op in ("put", "get"):
        raw_mbps, raw_mem = best[f"raw-{op}"]
        st_mbps, st_mem = best[f"store-{op}"]
        print(
            f"{op:<4} {raw_mbps:>9.0f} {st_mbps:>11.0f} {st_mbps / raw_mbps:>6.2f}   "
            f"{raw_mem:>8.1f} {st_mem:>10.1f} {st_mem - raw_mem:>+7.1f}"
        )
    floor = best["raw-get-sha256"][0]
    print(
        f"get with the raw client hashing what it reads (the store's verification): "
        f"{floor:.0f} MB/s; store/that = {best['store-get'][0] / floor:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--endpoint")
    parser.add_argument("--access-key", default="")
    parser.add_argument("--secret-key", default="")
    parser.add_argument("--secure", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.endpoint:
        bench(args, args.endpoint, args.access_key, args.secret_key)
        return
    from tests.services import S3Server, run_seaweedfs

    with (
        tempfile.TemporaryDirectory(prefix="bench-seaweedfs-") as root,
        run_seaweedfs(Path(root)) as server,
    ):
        if not isinstance(server, S3Server):
            sys.exit(f"cannot start SeaweedFS: {server}")
        bench(args, server.endpoint, server.access_key, server.secret_key)


if __name__ == "__main__":
    main()
