"""How large an edXML package may be here: ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB`` as the
``edxml.Limits`` that export, receiving and the ``docflow edxml`` commands work within."""

from __future__ import annotations

from docflow.core.settings import Settings
from docflow.exchange import edxml

__all__ = ["package_limits"]

MB = 1024 * 1024


def package_limits(settings: Settings) -> edxml.Limits:
    """The library's bounds with the deployment's package size; no single attachment may
    be larger than the package that carries it."""
    size = settings.exchange_max_package_bytes
    default = edxml.Limits()
    return edxml.Limits(
        max_package_bytes=size, max_attachment_bytes=min(default.max_attachment_bytes, size)
    )
