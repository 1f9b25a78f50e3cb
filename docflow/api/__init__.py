"""HTTP layer: one module per feature, each exporting its route handlers or controllers.

``ROUTE_HANDLERS`` is what ``create_app`` mounts; a new feature adds its module here.
"""

from docflow.api.audit import AUDIT_HANDLERS
from docflow.api.auth import AUTH_HANDLERS
from docflow.api.certificates import CERTIFICATE_HANDLERS
from docflow.api.directory import DIRECTORY_HANDLERS
from docflow.api.documents import DOCUMENT_HANDLERS
from docflow.api.evidence import EVIDENCE_HANDLERS
from docflow.api.health import health
from docflow.api.inbox import INBOX_HANDLERS
from docflow.api.registers import REGISTER_HANDLERS
from docflow.api.registers_incoming import INCOMING_REGISTER_HANDLERS
from docflow.api.transfers import TRANSFER_HANDLERS
from docflow.api.trust import TRUST_HANDLERS
from docflow.api.users import USER_HANDLERS
from docflow.api.verify import VERIFY_HANDLERS

ROUTE_HANDLERS: list[object] = [
    health,
    *AUTH_HANDLERS,
    *DIRECTORY_HANDLERS,
    *USER_HANDLERS,
    *CERTIFICATE_HANDLERS,
    *DOCUMENT_HANDLERS,
    *REGISTER_HANDLERS,
    *INBOX_HANDLERS,
    *TRANSFER_HANDLERS,
    *INCOMING_REGISTER_HANDLERS,
    *AUDIT_HANDLERS,
    *VERIFY_HANDLERS,
    *EVIDENCE_HANDLERS,
    *TRUST_HANDLERS,
]

__all__ = ["ROUTE_HANDLERS"]
