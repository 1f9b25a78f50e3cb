"""``docflow verify FILE`` as a user runs it (a whole process), beside ``pyhanko sign
validate`` on the same one-page B-LT file: interleaved runs, median and spread.

Goal: docflow verify < 1 s (median of 5) on this machine class. docflow validates offline
from the file's DSS (revocation included, document rules, report); ``pyhanko sign
validate`` (pyhanko-cli 0.6) is given the dev root and ``--no-revocation-check`` (it has
no offline-DSS mode and would otherwise try the network), so it does less work.

Run: ``.venv/bin/python bench/verify.py [--runs N]`` from the repository root.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-800:]}")
    return elapsed


def _summary(name: str, times: list[float]) -> str:
    return (
        f"{name:28s} median {statistics.median(times):6.3f} s   "
        f"min {min(times):6.3f}   max {max(times):6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="docflow-bench-verify-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "DOCFLOW_DATA_DIR": str(work / "var"), "PYTHONPATH": str(ROOT)}
        sys.path.insert(0, str(ROOT))
        from tests.integration.test_validation_helpers import text_pdf

        (work / "one.pdf").write_bytes(text_pdf("Quyet dinh so 15"))
        signed = work / "lt.pdf"
        _timed(
            [
                str(BIN / "docflow"),
                "sign",
                str(work / "one.pdf"),
                str(signed),
                "--seal",
                "STTTT",
                "--level",
                "B-LT",
            ],
            env,
        )
        from docflow.devpki import dev_trust_roots

        (work / "root.pem").write_bytes(dev_trust_roots()[0])
        ours = [str(BIN / "docflow"), "verify", str(signed)]
        theirs = [
            str(BIN / "pyhanko"),
            "sign",
            "validate",
            "--trust",
            str(work / "root.pem"),
            "--trust-replace",
            "--no-revocation-check",
            "--executive-summary",
            str(signed),
        ]
        _timed(ours, env)  # the first run fills the dev PKI cache of this data dir
        docflow_t: list[float] = []
        pyhanko_t: list[float] = []
        for _ in range(runs):
            docflow_t.append(_timed(ours, env))
            pyhanko_t.append(_timed(theirs, env))
        bare = [_timed([sys.executable, "-c", "pass"], env) for _ in range(runs)]
    print(f"one-page B-LT, {runs} interleaved runs each, whole processes")
    print(_summary("docflow verify FILE", docflow_t))
    print(_summary("pyhanko sign validate FILE", pyhanko_t))
    print(_summary("python -c pass", bare))
    ratio = statistics.median(docflow_t) / statistics.median(pyhanko_t)
    print(
        f"docflow / pyhanko: {ratio:.2f}x   goal: docflow median < 1 s "
        f"({'met' if statistics.median(docflow_t) < 1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
