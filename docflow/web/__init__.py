"""The browser application: server-rendered pages in Vietnamese (English switchable),
static assets (css, js, vendored pdf.js) served by docflow itself."""

from docflow.web.pages import TEMPLATE_CONFIG
from docflow.web.routes import WEB_HANDLERS

__all__ = ["TEMPLATE_CONFIG", "WEB_HANDLERS"]
