"""The text layer of a PDF for the search index, bounded: at most ``MAX_PAGES`` pages and
``MAX_CHARS`` characters. Runs in a signing worker (``extract_text``), never on the event
loop, with a time limit that kills the worker on a hostile file; any failure gives ""
(a document is indexed by its metadata then, and its upload never fails because of it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from docflow.core.signing_pool import SigningPool

__all__ = ["MAX_CHARS", "MAX_PAGES", "TIMEOUT", "extract_text", "job_extract_text"]

logger = logging.getLogger("docflow.search")

MAX_PAGES = 50
MAX_CHARS = 200_000
#: Seconds a worker may spend on one file.
TIMEOUT = 30.0


def job_extract_text(src: str, max_pages: int = MAX_PAGES, max_chars: int = MAX_CHARS) -> str:
    """The text of the first ``max_pages`` pages (in a worker process); "" if unreadable."""
    import pypdf

    parts: list[str] = []
    size = 0
    try:
        reader = pypdf.PdfReader(src, strict=False)
        if reader.is_encrypted:
            return ""
        for index, page in enumerate(reader.pages):
            if index >= max_pages or size >= max_chars:
                break
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
    # A hostile or damaged file: pypdf raises all sorts (and RecursionError on loops).
    except Exception as exc:  # noqa: BLE001 - never fail indexing because of the file
        logger.info("no text layer read from a PDF: %s", type(exc).__name__)
    return " ".join(parts)[:max_chars]


async def extract_text(pool: SigningPool, path: Path) -> str:
    """``job_extract_text`` in ``pool``; "" when it fails or runs out of time."""
    try:
        return await pool.run(job_extract_text, str(path), timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - a dead or timed-out worker: metadata only
        logger.warning("text layer extraction stopped: %s", type(exc).__name__)
        return ""
