"""What reading and checking hostile evidence really raises, so the audit checks catch
exactly that and report it as a finding instead of crashing.

The ``signing`` library's own classification (``signing.MALFORMED``: malformed PDFs, CMS
structures, certificates; ``signing.CHECK_FAILED``: besides, chain and revocation checks
that give up, refused keys, failed fetches), plus what an evidence bundle's zip container
raises. Anything outside these tuples is a defect, not a property of the input, and is
left to surface.
"""

from __future__ import annotations

import zipfile

import signing

__all__ = ["CHECK_FAILED", "MALFORMED"]

MALFORMED: tuple[type[Exception], ...] = (*signing.MALFORMED, zipfile.BadZipFile)
"""What reading a malformed PDF, zip member, CMS structure or certificate raises."""

CHECK_FAILED: tuple[type[Exception], ...] = (*signing.CHECK_FAILED, zipfile.BadZipFile)
"""What checking a signature offline raises besides."""
