"""The public faces of ``signing`` and ``storage``: every name listed loads, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import signing
import storage


@pytest.mark.parametrize("package", [signing, storage], ids=lambda p: p.__name__)
def test_every_public_name_is_listed_once_and_loads(package: object) -> None:
    exports: dict[str, str] = package._EXPORTS  # type: ignore[attr-defined]
    listed: list[str] = package.__all__  # type: ignore[attr-defined]
    assert listed == sorted(exports), "keep __all__ equal to the lazy-loading table"
    for name in listed:
        assert getattr(package, name) is not None, name


@pytest.mark.parametrize("package", ["signing", "storage"])
def test_importing_a_package_loads_none_of_its_parts(package: str) -> None:
    """A command that only needs an error class must not pay for pyHanko or the S3 client."""
    code = (
        f"import sys, {package}; "
        f"print(sorted(m for m in sys.modules if m.startswith(('{package}.', 'pyhanko', 'minio'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
