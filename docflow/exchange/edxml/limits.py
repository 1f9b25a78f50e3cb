"""The bounds every package is read and written within."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_MAX_PACKAGE_BYTES", "Limits"]

MB = 1024 * 1024
#: 200 MB: what an enveloped signature over base64 attachments may make docflow hold.
DEFAULT_MAX_PACKAGE_BYTES = 200 * MB


@dataclass(frozen=True)
class Limits:
    """Bounds for reading and writing packages. The defaults fit every real document;
    a deployment may lower or raise ``max_package_bytes`` (its setting)."""

    max_package_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
    """Largest package, in bytes of XML, read or written."""
    max_attachment_bytes: int = 150 * MB
    """Largest single attachment once decoded; reading stops as soon as it is passed."""
    max_attachments: int = 500
    """Most attachments in one package."""
    max_depth: int = 32
    """Deepest element nesting (a real package nests about 8 deep)."""
    max_elements: int = 20_000
    """Most elements in the package (a real header has a few hundred)."""
    max_text_chars: int = 1 * MB
    """Most characters of text in one element other than an attachment's content."""
    spool_threshold: int = 1 * MB
    """Decoded attachments larger than this go to a temporary file, not memory."""
    spool_dir: Path | None = None
    """Directory for those temporary files (default: the system's temporary directory)."""

    @property
    def max_package_mb(self) -> float:
        return round(self.max_package_bytes / MB, 1)
