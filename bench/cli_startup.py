"""Benchmark: how long ``docflow --help`` takes against a bare ``python -c pass``.

    .venv/bin/python bench/cli_startup.py [--repeat 5] [--no-importtime]

Runs the ``docflow`` console script of this interpreter's environment (or
``python -m docflow`` when there is none; ``docflow/__main__.py`` calls the same
``main``) and ``python -c pass`` alternately, ``--repeat`` times each, with this
checkout first on ``PYTHONPATH``. Prints both medians in seconds and their ratio,
then the five costliest imports of ``docflow.cli.main`` (``python -X importtime``,
cumulative). Goal: ``docflow --help`` median < 0.5 s. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def docflow_command() -> list[str]:
    """The console script beside this interpreter, else ``python -m docflow``."""
    script = Path(sys.executable).parent / "docflow"
    if script.exists():
        return [str(script), "--help"]
    return [sys.executable, "-m", "docflow", "--help"]


def wall_time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def import_costs(env: dict[str, str], top: int = 5) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the costliest imports of docflow.cli.main."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import docflow.cli.main"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    costs: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        costs.append((int(parts[1]), parts[2].strip()))
    return sorted(costs, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-importtime", action="store_true")
    args = parser.parse_args()

    env = _env()
    docflow = docflow_command()
    bare = [sys.executable, "-c", "pass"]
    wall_time(docflow, env)  # warm the file cache and bytecode once, unmeasured
    help_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(args.repeat):
        help_times.append(wall_time(docflow, env))
        bare_times.append(wall_time(bare, env))
    help_median = statistics.median(help_times)
    bare_median = statistics.median(bare_times)

    print("command: " + " ".join([Path(docflow[0]).name, *docflow[1:]]))
    print(f"  docflow --help  median {help_median:.3f} s  ({args.repeat} runs)")
    print(f"  python -c pass  median {bare_median:.3f} s  ({args.repeat} runs)")
    print(f"  ratio           {help_median / bare_median:.1f}x")
    verdict = "met" if help_median < TARGET_SECONDS else "NOT met"
    print(f"  target          docflow --help median < {TARGET_SECONDS} s: {verdict}")
    if not args.no_importtime:
        print("top imports of docflow.cli.main (cumulative, python -X importtime):")
        for micros, module in import_costs(env):
            print(f"  {micros / 1e6:7.3f} s  {module}")


if __name__ == "__main__":
    main()
