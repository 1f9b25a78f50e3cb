"""A fresh serving process imports pyHanko before its first request, so its first
concurrent requests cannot each import half of pyHanko's circular modules (which
answered 500: "cannot import name 'Signer' from partially initialized module")."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from signing._preload import LAZILY_IMPORTED

ROOT = Path(__file__).resolve().parents[2]

# What a fresh process's first requests do at once: each thread loads one part.
FIRST_USES = """
import importlib, sys, threading
{setup}
parts = ["signing.pades.sign", "signing.validation", "signing.external.prepare",
         "signing.pades.issuance", "signing.signers.keys", *sys.argv[1:]]
barrier = threading.Barrier(len(parts))
failures = []
def first_use(name):
    barrier.wait()
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures.append(f"{{name}}: {{exc!r}}")
threads = [threading.Thread(target=first_use, args=(p,)) for p in parts]
for t in threads: t.start()
for t in threads: t.join()
print("\\n".join(failures))
"""


def _first_uses(setup: str, tmp_path: Path) -> str:
    env = {**os.environ, "DOCFLOW_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_USES.format(setup=setup), *LAZILY_IMPORTED],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return out.stdout.strip()


def test_a_fresh_app_survives_first_uses_from_many_threads(tmp_path: Path) -> None:
    setup = "from docflow.app import create_app; create_app()"
    assert _first_uses(setup, tmp_path) == ""


def test_a_fresh_worker_survives_first_uses_from_many_threads(tmp_path: Path) -> None:
    """``docflow worker`` runs jobs in threads: its start-up preloads as the web's does."""
    setup = (
        "from docflow.cli.jobs import worker_runtime; "
        "from docflow.core.settings import Settings; worker_runtime(Settings.from_env())"
    )
    assert _first_uses(setup, tmp_path) == ""


def _imported_in_functions(path: Path) -> set[str]:
    """pyHanko modules ``path`` imports inside a function body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names)
            elif isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("pyhanko"):
                found.add(inner.module)
                for alias in inner.names:  # `from package import module`
                    full = f"{inner.module}.{alias.name}"
                    if _is_module(full):
                        found.add(full)
    return {name for name in found if name.startswith("pyhanko")}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ModuleNotFoundError, ValueError):
        return False


def test_every_pyhanko_module_imported_in_a_function_is_preloaded() -> None:
    sources = [*(ROOT / "signing").rglob("*.py"), *(ROOT / "docflow").rglob("*.py")]
    lazily = set().union(*(_imported_in_functions(path) for path in sources))
    assert lazily, "the scan found no function-level pyHanko import at all"
    # importing a module imports its parent packages too
    covered = {name.rsplit(".", depth)[0] for name in LAZILY_IMPORTED for depth in range(5)}
    missing = sorted(lazily - covered)
    assert missing == [], f"add to signing._preload.LAZILY_IMPORTED: {missing}"
