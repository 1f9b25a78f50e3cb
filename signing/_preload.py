"""Every part of ``signing`` and every pyHanko module docflow imports inside a function,
imported at once, in the calling thread.

``signing`` loads its parts lazily (PEP 562) and several functions import pyHanko when
first called. pyHanko's modules import each other in circles; when two threads import
such a circle for the first time together, Python's import locks hand one of them a
partially initialised module and it fails with ``ImportError: cannot import name ...
(most likely due to a circular import)``. A fresh web process does exactly that: its
first requests load pyHanko on the event loop's thread and in worker threads
(``asyncio.to_thread``) at the same moment, and answered 500. ``preload()`` runs in
each serving process (``docflow.app.create_app``) and in ``docflow worker`` before
either handles anything, so nothing is imported for the first time concurrently.
Commands that run one thing at a time keep the lazy loading (a quick start).
"""

from __future__ import annotations

import importlib

__all__ = ["LAZILY_IMPORTED", "preload"]

#: pyHanko and pyhanko-certvalidator modules that code in ``signing`` or ``docflow``
#: imports inside a function; tests/unit/test_preload.py keeps the list complete.
LAZILY_IMPORTED: tuple[str, ...] = (
    "pyhanko.generated.etsi.ts_11910202",
    "pyhanko.pdf_utils.crypt",
    "pyhanko.pdf_utils.decode_limits",
    "pyhanko.pdf_utils.generic",
    "pyhanko.pdf_utils.misc",
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign.general",
    "pyhanko.sign.timestamps",
    "pyhanko.sign.timestamps.common_utils",
    "pyhanko.sign.validation",
    "pyhanko.sign.validation.ades",
    "pyhanko.sign.validation.dss",
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.validation.report.tools",
    "pyhanko_certvalidator",
    "pyhanko_certvalidator.errors",
)


def preload() -> None:
    """Import every part ``signing`` exports and every module in ``LAZILY_IMPORTED``
    (idempotent: a second call only looks each name up)."""
    import signing

    for name in signing.__all__:
        getattr(signing, name)
    for module in LAZILY_IMPORTED:
        importlib.import_module(module)
