"""When a person last had a confidential document's read written to the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime

__all__ = ["DocumentReadMark"]


class DocumentReadMark(SQLModel, table=True):
    """One row per (document, person): a served read writes an audit event only when
    the last one is older than the dedupe window, so a viewer's many range requests
    and previews count once."""

    __tablename__ = "document_read_mark"

    document_id: int = Field(foreign_key="document.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
