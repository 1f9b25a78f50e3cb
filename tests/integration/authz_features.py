"""The authorization rows of the features that keep them beside their own tests,
gathered for ``authz_table`` (which imports this module once its own rows exist: the
row files build on its helpers)."""

from __future__ import annotations

from tests.integration.authz_audit import page_rows as audit_pages
from tests.integration.authz_draft_life import api_rows as draft_api
from tests.integration.authz_draft_life import page_rows as draft_pages
from tests.integration.authz_notifications import api_rows as notification_api
from tests.integration.authz_notifications import page_rows as notification_pages
from tests.integration.authz_recall import page_rows as recall_pages
from tests.integration.authz_sign_many import page_rows as sign_many_pages
from tests.integration.authz_support import Entry

FEATURE_MATRIX: dict[tuple[str, str], Entry] = {**notification_api(), **draft_api()}

FEATURE_PAGES: dict[tuple[str, str], Entry] = {
    **notification_pages(),
    **audit_pages(),  # auditors only
    **draft_pages(),  # return, resubmit, withdraw, details, file, comments
    **sign_many_pages(),  # leaders only
    **recall_pages(),  # recall, its answer, correction
}
