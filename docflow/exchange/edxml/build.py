"""Package → XML bytes, streamed: attachments go from their source to the output in
chunks, base64-encoded on the way (see ``_splice``), so a 10 MB PDF costs a few
hundred kilobytes of memory, not several copies of itself.

``write_package`` writes an unsigned package; ``xmldsig.async_write_signed_package``
writes a signed one through the same steps. Both refuse, before writing a byte:

- a package that breaks the rules (:class:`PackageInvalid`, every problem listed;
  ``check=False`` skips the rules, for tests that need a broken package);
- a package over ``limits.max_package_bytes`` (:class:`PackageTooLarge`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from docflow.exchange.edxml._dsig import canonical_without
from docflow.exchange.edxml._splice import Splicer
from docflow.exchange.edxml._tree import PackageTree, package_tree
from docflow.exchange.edxml.checks import check_package
from docflow.exchange.edxml.errors import PackageInvalid, PackageTooLarge
from docflow.exchange.edxml.limits import Limits
from docflow.exchange.edxml.messages import errors_in, problem
from docflow.exchange.edxml.model import Package

__all__ = ["WrittenPackage", "build_package", "write_package"]

_DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class WrittenPackage:
    """What was written: enough to store the bytes by content address and log them."""

    size: int
    """Bytes written."""
    sha256: str
    """SHA-256 of the bytes written, hex."""


def build_package(
    package: Package, *, limits: Limits = _DEFAULT_LIMITS, check: bool = True
) -> bytes:
    """The unsigned package as bytes (for small packages and tests; prefer
    :func:`write_package` to a file for documents of any size)."""
    out = io.BytesIO()
    write_package(package, out, limits=limits, check=check)
    return out.getvalue()


def write_package(
    package: Package, out: BinaryIO, *, limits: Limits = _DEFAULT_LIMITS, check: bool = True
) -> WrittenPackage:
    """Write the unsigned package to ``out`` (a binary file or stream)."""
    built = prepare(package, check=check)
    ensure_size(built, limits)
    return write_tree(built, out)


def prepare(package: Package, *, check: bool) -> PackageTree:
    """The package's tree, after the rules (raises :class:`PackageInvalid`)."""
    if check:
        refused = errors_in(check_package(package))
        if refused:
            raise PackageInvalid(refused)
    return package_tree(package)


def _serialise(built: PackageTree, sink: Any) -> None:
    built.tree.write(sink, encoding="UTF-8", xml_declaration=True)


class _Counter:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def output_size(built: PackageTree) -> int:
    """Exact size of the package once written (the tree itself is small: attachments
    are markers in it)."""
    counter = _Counter()
    _serialise(built, counter)
    return built.markers.output_size(counter.size)


def ensure_size(built: PackageTree, limits: Limits) -> int:
    """The output size; :class:`PackageTooLarge` when it is over the limit."""
    size = output_size(built)
    if size > limits.max_package_bytes:
        raise PackageTooLarge(
            problem(
                "package_too_large",
                limit_mb=limits.max_package_mb,
                detail=f"{size} bytes",
                detail_vi=f"{size} byte",
            )
        )
    return size


class _Output:
    """Writes to ``out`` and hashes what passes."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self.digest.update(data)
        self.size += len(data)


def write_tree(built: PackageTree, out: BinaryIO) -> WrittenPackage:
    """Serialise the tree to ``out``, splicing in every attachment's base64."""
    output = _Output(out)
    splicer = Splicer(built.markers, output.write)
    _serialise(built, splicer)
    splicer.close()
    return WrittenPackage(size=output.size, sha256=output.digest.hexdigest())


def digest_without(built: PackageTree, signature: Any, hash_name: str) -> bytes:
    """Digest of the canonical (exclusive C14N) package minus ``signature``, with the
    attachments spliced in: what an enveloped signature's reference signs."""
    digest = hashlib.new(hash_name)
    update: Callable[[bytes], object] = digest.update
    splicer = Splicer(built.markers, update)
    canonical_without(built.tree, signature, splicer.write, exclusive=True)
    splicer.close()
    return digest.digest()
