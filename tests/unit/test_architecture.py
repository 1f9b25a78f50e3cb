"""The map in ARCHITECTURE.md, checked: import direction, no circles, what sits where.

These read the source with ``ast`` (nothing is imported), so a new module that breaks
the layering fails here with the offending import named, before anyone has to find it
in a review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("docflow", "signing", "storage")

# docflow's areas, lowest first (ARCHITECTURE.md, "Dependency order"). An area may import
# the areas before it, never one after it.
ORDER = (
    "core",
    "devpki",
    "accounts",
    "notifications",
    "documents",
    "transfers",
    "exchange",
    "dashboard",
    "search",
    "audit",
    "web",
    "bootstrap",
    "app",
    "cli",
    "__main__",
)
# Where the development PKI may be named: the composition root, the dev PKI itself, the CLI
# (which seeds demo data and runs the dev PKI's commands).
DEVPKI_ALLOWED = ("bootstrap", "devpki", "cli")


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


MODULES = dict(_modules())


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    # "from pkg import name" names either a submodule (then only it is imported here) or
    # something defined in pkg itself.
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        found.append(submodule if submodule in MODULES else base)
    return found


def _imports(module: str, path: Path, *, top_level_only: bool) -> set[str]:
    """Modules imported by ``module``: at import time only, or anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.update(_resolve(module, path, node))
            elif (isinstance(node, ast.If) and _is_type_checking(node)) or (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and top_level_only
            ):
                continue
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.ClassDef)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, [])
                    for item in inner:
                        visit(item.body if isinstance(item, ast.ExceptHandler) else [item])
            elif not top_level_only:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        visit([child])
                    else:
                        visit([n for n in ast.walk(child) if isinstance(n, ast.stmt)])

    visit(tree.body)
    return found


def _graph(*, top_level_only: bool) -> dict[str, set[str]]:
    return {
        name: {m for m in _imports(name, path, top_level_only=top_level_only) if m in MODULES}
        - {name}
        for name, path in MODULES.items()
    }


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "docflow" and len(parts) > 1 else parts[0]


def test_no_import_circle() -> None:
    # Imports inside functions count too: a circle hidden in a function is still two
    # modules that cannot be understood (or moved) one without the other.
    graph = _graph(top_level_only=False)
    # Tarjan's strongly connected components; any component of two or more is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def strongconnect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            strongconnect(node)
    assert circles == [], f"import circles: {circles}"


def test_docflow_areas_import_only_lower_areas() -> None:
    upward = []
    for module, targets in _graph(top_level_only=False).items():
        if not module.startswith("docflow."):
            continue
        source = _area(module)
        for target in targets:
            if not target.startswith("docflow."):
                continue
            destination = _area(target)
            if source == destination:
                continue
            assert source in ORDER, f"{module}: area {source!r} is not in ARCHITECTURE.md's order"
            assert destination in ORDER, f"{target}: area {destination!r} is not in the order"
            if ORDER.index(destination) > ORDER.index(source):
                upward.append(f"{module} -> {target}")
    assert upward == [], "imports running back up the layers:\n" + "\n".join(sorted(upward))


def test_libraries_do_not_import_the_application() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in _graph(top_level_only=False).items()
        if module.split(".")[0] in ("signing", "storage")
        for target in targets
        if target.startswith("docflow")
    ]
    assert offenders == []


def test_web_calls_services_not_api_controllers() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in _graph(top_level_only=False).items()
        if module.startswith("docflow.web")
        for target in targets
        if target.rsplit(".", 1)[-1].startswith("api")
    ]
    assert offenders == []


def test_few_modules_directly_under_docflow() -> None:
    top = sorted(p.name for p in (ROOT / "docflow").glob("*.py"))
    assert len(top) <= 8, top


@pytest.mark.parametrize("word", ["docflow.devpki", "demo"])
def test_dev_pki_and_demo_mode_are_chosen_only_in_the_composition_root(word: str) -> None:
    offenders = []
    for module, path in MODULES.items():
        if not module.startswith("docflow.") or _area(module) in DEVPKI_ALLOWED:
            continue
        if word == "docflow.devpki":
            imported = _imports(module, path, top_level_only=False)
            if any(t.startswith("docflow.devpki") for t in imported):
                offenders.append(module)
        else:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.Attribute) and n.attr == "demo" for n in ast.walk(tree)):
                offenders.append(module)
    assert offenders == [], f"{word} used outside bootstrap/devpki/cli: {offenders}"


def test_files_named_in_the_docs_and_comments_exist() -> None:
    """README, ARCHITECTURE.md and the code's comments point only at files that exist."""
    import re

    folders = "docflow|signing|storage|tests|bench|migrations|certs-dev"
    path = re.compile(rf"\b((?:{folders})/[\w./-]*\w)")
    sources = [ROOT / "README.md", ROOT / "ARCHITECTURE.md"] + [
        p for d in (*PACKAGES, "bench", "migrations") for p in sorted((ROOT / d).rglob("*.py"))
    ]
    missing = []
    for source in sources:
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            for match in path.finditer(line):
                named = match.group(1).rstrip(".")
                if not any(ch in named for ch in "*<{") and not (ROOT / named).exists():
                    missing.append(f"{source.relative_to(ROOT)}:{number}: {named}")
    assert missing == [], "\n".join(missing)
