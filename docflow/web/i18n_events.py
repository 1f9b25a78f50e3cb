"""What each audit event means, in words (``event.<action>``), and the chain's state in
one sentence (``chain.summary.*``): kept beside the trail in ``docflow.audit.event_words``
(the events API answers them too); ``docflow.web.i18n`` merges them into its catalogue."""

from __future__ import annotations

from docflow.audit.event_words import EVENT_STRINGS

__all__ = ["EVENT_STRINGS"]
